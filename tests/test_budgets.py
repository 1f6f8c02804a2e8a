"""Budgets counted in the database (ops.budgets): fixed windows charged all or none, the
progressive delay of sign-in, who a client is, and what is stored."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from ops import budgets
from ops.models import RateCounter

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ONE = budgets.Budget("test.one", 1, dt.timedelta(hours=1))
THREE = budgets.Budget("test.three", 3, dt.timedelta(minutes=10))
MINUTE = dt.timedelta(minutes=1)


def test_a_budget_of_one_allows_one_event_per_window_however_often_asked():
    assert budgets.take([(ONE, "a@example.org")], now=NOW) is None
    for minutes in (0, 1, 30, 59):
        refusal = budgets.take([(ONE, "a@example.org")], now=NOW + minutes * MINUTE)
        assert refusal is not None
        assert refusal.retry_after == dt.timedelta(hours=1) - minutes * MINUTE
    # Another key has its own budget.
    assert budgets.take([(ONE, "b@example.org")], now=NOW) is None
    # The window ends an hour after the event that opened it, not on the hour.
    assert budgets.take([(ONE, "a@example.org")], now=NOW + 60 * MINUTE) is None
    assert budgets.take([(ONE, "a@example.org")], now=NOW + 119 * MINUTE) is not None


def test_a_window_opens_at_the_first_event_after_the_last_one_closed():
    for minutes in (0, 1, 2):
        assert budgets.take([(THREE, "client")], now=NOW + minutes * MINUTE) is None
    assert budgets.take([(THREE, "client")], now=NOW + 9 * MINUTE).minutes == 1
    assert budgets.take([(THREE, "client")], now=NOW + 25 * MINUTE) is None
    row = RateCounter.objects.get(scope="test.three")
    assert (row.count, row.first_at, row.expires_at) == (
        1,
        NOW + 25 * MINUTE,
        NOW + 35 * MINUTE,
    )


def test_several_budgets_are_charged_all_or_none():
    assert budgets.take([(ONE, "addr")], now=NOW) is None
    refusal = budgets.take([(THREE, "client"), (ONE, "addr")], now=NOW)
    assert refusal.scope == "test.one"
    # The client's budget was not charged for the refused request.
    assert not RateCounter.objects.filter(scope="test.three", count__gt=0).exists()
    for _ in range(3):
        assert budgets.take([(THREE, "client"), (ONE, "other")], now=NOW) in (None, refusal)
    assert RateCounter.objects.get(scope="test.three").count == 1


def test_a_refused_request_writes_nothing():
    assert budgets.take([(ONE, "addr")], now=NOW) is None
    before = list(RateCounter.objects.values_list("scope", "key", "count", "last_at"))
    with CaptureQueriesContext(connection) as queries:
        assert budgets.take([(ONE, "addr")], now=NOW + MINUTE) is not None
    assert len(queries) == 1
    assert queries[0]["sql"].lstrip().upper().startswith("SELECT")
    assert list(RateCounter.objects.values_list("scope", "key", "count", "last_at")) == before


def test_keys_are_stored_as_hmacs_not_as_addresses():
    budgets.take([(ONE, "vecina@example.org")], now=NOW)
    row = RateCounter.objects.get()
    assert "vecina" not in row.key and len(row.key) == 64
    assert row.key == budgets.digest("test.one", "vecina@example.org")
    assert row.key != budgets.digest("test.three", "vecina@example.org")


def test_old_rows_are_purged():
    budgets.take([(ONE, "a")], now=NOW)
    budgets.take([(THREE, "b")], now=NOW)
    assert budgets.purge(now=NOW + 30 * MINUTE) == 1
    assert list(RateCounter.objects.values_list("scope", flat=True)) == ["test.one"]
    assert budgets.purge(now=NOW + 60 * MINUTE) == 1


SLOW = budgets.Backoff(
    "test.slow",
    free=3,
    first_wait=MINUTE,
    longest_wait=10 * MINUTE,
    forget_after=dt.timedelta(days=1),
)


def test_the_backoff_waits_longer_after_each_attempt_up_to_its_ceiling():
    at = NOW
    for _ in range(3):
        assert budgets.attempt(SLOW, "oficial", now=at) is None
    waits = []
    for _ in range(6):
        refusal = budgets.attempt(SLOW, "oficial", now=at)
        waits.append(refusal.retry_after)
        # Asking again during the wait changes nothing: the refused attempt is not counted.
        assert budgets.attempt(SLOW, "oficial", now=at + refusal.retry_after / 2) is not None
        at += refusal.retry_after
        assert budgets.attempt(SLOW, "oficial", now=at) is None
    assert waits == [m * MINUTE for m in (1, 2, 4, 8, 10, 10)]
    assert RateCounter.objects.get(scope="test.slow").count == 9
    # A day after the last attempt it is forgotten.
    at += dt.timedelta(days=1)
    assert budgets.attempt(SLOW, "oficial", now=at) is None
    assert RateCounter.objects.get(scope="test.slow").count == 1


def test_forgiving_takes_back_the_last_attempt_and_its_wait():
    for _ in range(3):
        budgets.attempt(SLOW, "oficial", now=NOW)
    budgets.forgive(SLOW, "oficial")
    assert budgets.attempt(SLOW, "oficial", now=NOW) is None
    assert budgets.attempt(SLOW, "oficial", now=NOW) is not None
    budgets.clear("test.slow", "oficial")
    assert budgets.attempt(SLOW, "oficial", now=NOW) is None


@pytest.mark.parametrize(
    ("meta", "num_proxies", "expected"),
    [
        ({"REMOTE_ADDR": "203.0.113.7"}, 0, "203.0.113.7"),
        # Every address of one IPv6 subscriber's /64 is one client.
        ({"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}, 0, "2001:db8:1:2::/64"),
        ({"REMOTE_ADDR": "2001:db8:1:2:ffff:ffff:ffff:ffff"}, 0, "2001:db8:1:2::/64"),
        ({"REMOTE_ADDR": "::ffff:203.0.113.7"}, 0, "203.0.113.7"),
        # Without a trusted proxy, X-Forwarded-For is the client's own claim: ignored.
        ({"REMOTE_ADDR": "198.51.100.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, 0, "198.51.100.1"),
        (
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "spoof, 203.0.113.9"},
            1,
            "203.0.113.9",
        ),
    ],
)
def test_the_client_is_its_address_by_the_proxy_rule(settings, meta, num_proxies, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    request = RequestFactory().get("/", **meta)
    assert budgets.client_network(request) == expected


def test_a_mailbox_ignores_case_and_plus_tags():
    assert budgets.mailbox(" Vecina+gto@Example.ORG ") == "vecina@example.org"
    assert budgets.mailbox("vecina+1+2@example.org") == "vecina@example.org"
    assert budgets.mailbox("otra@example.org") != budgets.mailbox("vecina@example.org")


def _at_once(count, action):
    """Runs `action` in `count` threads released together, each on its own database
    connection (as separate gunicorn workers are); returns their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = action()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_requests_on_separate_connections_share_one_budget():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections to one database: PostgreSQL only")
    # The threads' connections are outside the test's transaction: their rows are committed
    # for real, under scopes of this test's own, and deleted at the end.
    one = budgets.Budget("test.concurrent.one", 1, dt.timedelta(hours=1))
    slow = budgets.Backoff("test.concurrent.slow", 3, MINUTE, MINUTE, dt.timedelta(days=1))
    try:
        taken = _at_once(12, lambda: budgets.take([(one, "a@example.org")], now=NOW))
        assert sum(r is None for r in taken) == 1
        attempts = _at_once(12, lambda: budgets.attempt(slow, "oficial", now=NOW))
        assert sum(r is None for r in attempts) == 3
    finally:
        _at_once(1, lambda: RateCounter.objects.filter(scope__startswith="test.").delete())
