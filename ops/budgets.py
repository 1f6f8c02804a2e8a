"""Budgets: how often an anonymous request may make the site send an email or store a row, and
the progressive slow-down of sign-in attempts, counted in the database.

In the database, not in Redis, for three reasons. It is the one store that must be up (with
PostgreSQL down the site is down anyway), so a budget is never lost, and never silently
waived, while Redis is away; Redis, the cache, may also evict keys under memory pressure,
which would reset a budget. Every gunicorn worker and every machine share it. And a budget
is counted in the transaction of the write it allows (a follow and its email), so the count
and the write commit or roll back together. It costs two statements per budget of a request
that passes, one read for a request refused.

Two primitives, each on `ops.RateCounter` rows (one per scope and key; the key an HMAC of
what is counted, so no address is stored in clear):

- take(): fixed windows. At most `limit` events per key in a window that starts at the
  first event after the previous window ended. With a limit of 1 that is exact: two events
  are always at least a window apart. Several budgets are charged together, all or none.
- attempt() / forgive(): a progressive delay (sign-in). `free` events, then each one must
  wait after the previous one, twice as long each time up to a ceiling; the count starts
  over `forget_after` after the last event. The wait is checked and claimed in one
  compare-and-set, so concurrent attempts cannot slip through together.

Every row is conditionally updated in (scope, key) order, so two requests charging
overlapping budgets lock them in the same order and never deadlock.
"""

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.crypto import salted_hmac

from .client_ip import client_ip
from .models import RateCounter


@dataclass(frozen=True)
class Budget:
    """At most `limit` events per key in each `window`."""

    scope: str
    limit: int
    window: dt.timedelta


def budget(scope):
    """The Budget of `scope` as settings.BUDGETS gives it: (limit, window in seconds)."""
    limit, seconds = settings.BUDGETS[scope]
    return Budget(scope, limit, dt.timedelta(seconds=seconds))


@dataclass(frozen=True)
class Backoff:
    """`free` events, then a wait before each next one: `first_wait`, doubled each time, at
    most `longest_wait`; forgotten `forget_after` the last event."""

    scope: str
    free: int
    first_wait: dt.timedelta
    longest_wait: dt.timedelta
    forget_after: dt.timedelta

    def wait_after(self, count):
        """How long the next event must wait after the `count`-th one."""
        if count < self.free:
            return dt.timedelta(0)
        doublings = min(count - self.free, 30)
        return min(self.first_wait * 2**doublings, self.longest_wait)


@dataclass(frozen=True)
class Refusal:
    scope: str
    retry_after: dt.timedelta

    @property
    def seconds(self):
        return max(1, math.ceil(self.retry_after.total_seconds()))

    @property
    def minutes(self):
        return max(1, math.ceil(self.seconds / 60))


def digest(scope, raw):
    """The stored key of `raw` in `scope`: an HMAC with the secret key, not the value."""
    return salted_hmac(f"ops.budgets.{scope}", str(raw), algorithm="sha256").hexdigest()


def client_network(request):
    """Who the client is, for budgets: its address by ops.client_ip's rule, an IPv6 address
    by its /64 (one subscriber's network; a client picks freely among its addresses)."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def mailbox(email):
    """The mailbox an address reaches, for budgets: case-folded, without a "+tag" (most mail
    services deliver user+anything@ to user@, so tags must not multiply a budget)."""
    local, _at, domain = email.strip().rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}@{domain}".casefold()


class _Spent(Exception):
    def __init__(self, refusal):
        self.refusal = refusal


def take(charges, *, now):
    """Counts one event against each (Budget, raw key) of `charges` if every one allows it.

    Returns None when counted (in the current transaction, if any), or the Refusal of a
    budget that was spent, having counted nothing.
    """
    items = sorted({(b.scope, digest(b.scope, raw)): b for b, raw in charges}.items())
    if not items:
        return None
    # A cheap look first: a request over a budget is refused with one read and writes
    # nothing, so refused floods store no rows.
    wanted = Q()
    for scope, key in (k for k, _b in items):
        wanted |= Q(scope=scope, key=key)
    rows = {(r.scope, r.key): r for r in RateCounter.objects.filter(wanted)}
    for scope_key, budget in items:
        row = rows.get(scope_key)
        if row is not None and row.expires_at > now and row.count >= budget.limit:
            return Refusal(budget.scope, row.expires_at - now)
    try:
        with transaction.atomic():
            for (scope, key), budget in items:
                _count(scope, key, budget, now)
    except _Spent as spent:
        return spent.refusal
    return None


def _ensure_row(scope, key, now):
    """The row of (scope, key), created expired (an empty history) when missing."""
    RateCounter.objects.bulk_create(
        [RateCounter(scope=scope, key=key, count=0, first_at=now, last_at=now, expires_at=now)],
        ignore_conflicts=True,
    )


def _count(scope, key, budget, now):
    # A missing row is created expired, so the update below starts its window.
    _ensure_row(scope, key, now)
    over = Q(expires_at__lte=now)
    won = (
        RateCounter.objects.filter(scope=scope, key=key)
        .filter(over | Q(count__lt=budget.limit))
        .update(
            count=Case(When(over, then=Value(1)), default=F("count") + 1),
            first_at=Case(When(over, then=Value(now)), default=F("first_at")),
            expires_at=Case(When(over, then=Value(now + budget.window)), default=F("expires_at")),
            last_at=now,
        )
    )
    if not won:
        row = RateCounter.objects.get(scope=scope, key=key)
        raise _Spent(Refusal(scope, row.expires_at - now))


def spent(budget, raw, *, now):
    """True when `budget` allows no more events for `raw` now (nothing is counted)."""
    row = RateCounter.objects.filter(scope=budget.scope, key=digest(budget.scope, raw)).first()
    return row is not None and row.expires_at > now and row.count >= budget.limit


def attempt(backoff, raw, *, now):
    """Claims the next event of `raw` under `backoff`: None when it may happen now (counted),
    or the Refusal saying how long to wait (nothing counted)."""
    key = digest(backoff.scope, raw)
    _ensure_row(backoff.scope, key, now)
    while True:
        row = RateCounter.objects.get(scope=backoff.scope, key=key)
        forgotten = row.expires_at <= now
        if not forgotten and row.blocked_until is not None and now < row.blocked_until:
            return Refusal(backoff.scope, row.blocked_until - now)
        count = 1 if forgotten else row.count + 1
        # Compare and set: another attempt that claimed the row since it was read changed
        # its count or last_at, and this one reads it again.
        won = RateCounter.objects.filter(pk=row.pk, count=row.count, last_at=row.last_at).update(
            count=count,
            first_at=now if forgotten else row.first_at,
            last_at=now,
            blocked_until=now + backoff.wait_after(count),
            expires_at=now + backoff.forget_after,
        )
        if won:
            return None


def forgive(backoff, raw):
    """Takes back the last claimed event of `raw` (it turned out not to count: a sign-in
    that succeeded), and the wait it had started."""
    row = RateCounter.objects.filter(scope=backoff.scope, key=digest(backoff.scope, raw)).first()
    if row is None or row.count == 0:
        return
    count = row.count - 1
    RateCounter.objects.filter(pk=row.pk, count=row.count).update(
        count=count, blocked_until=row.last_at + backoff.wait_after(count) if count else None
    )


def clear(scope, raw):
    """Forgets everything counted for `raw` in `scope`."""
    RateCounter.objects.filter(scope=scope, key=digest(scope, raw)).delete()


def purge(*, now):
    """Deletes the rows nobody needs any more; returns how many."""
    deleted, _kinds = RateCounter.objects.filter(expires_at__lte=now).delete()
    return deleted
