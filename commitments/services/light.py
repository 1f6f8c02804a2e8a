"""The light engine: keeps each milestone's stored light equal to what the rules say at `now`.

Every write that changes what the rules read (status, dates, activity, evidence, a state's
threshold) ends here, in its own transaction: `assess_new` for a milestone about to be
created, `refresh_light` after an action on one milestone, `reassess` after a change to many
(a state's threshold, a restore), and `flag_stale_milestones` for the clock.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import OperationalError, connection, transaction

from ops import outbox

from .. import rules, rules_sql
from ..cache import invalidate_commitment_pages, invalidate_public_pages
from ..models import Milestone, Transition

logger = logging.getLogger(__name__)


def _change_for(milestone, assessment, *, now, cause):
    """The light change a fresh assessment implies, as (from, to, when it really happened), or
    None when the light stays.

    One change of the light the tracker shows, whatever the rules say happened in between: a
    milestone last shown green that the clock finds past its red onset (a plan loaded late, or
    the job stopped for weeks) goes from green to red at that onset. It was never shown yellow,
    and its followers hear that it turned red, not also that it had been at risk.
    """
    old, new = milestone.signal, assessment.signal
    if old == new:
        return None
    # A person's action changes the light when it happens; the clock, at the computed onset.
    return old, new, assessment.since if cause == Transition.Cause.CLOCK else now


def assess_new(milestone, *, now, stale_after_days=None):
    """Sets the light of a milestone about to be inserted, in memory; the caller saves it.

    A new milestone has no previous light, so no transition is written: its light starts at
    the onset the rules compute (red since the midnight after its due date, for a plan loaded
    after its dates), and the clock takes it from there. Its activity clock starts when it is
    created unless the caller says otherwise.
    """
    if milestone.created_at is None:
        milestone.created_at = now
    if milestone.last_activity_at is None:
        milestone.last_activity_at = now
    if stale_after_days is None:
        stale_after_days = milestone.commitment.action_plan.state.stale_after_days
    assessment = rules.assess_milestone(milestone, stale_after_days=stale_after_days, now=now)
    milestone.signal = assessment.signal
    milestone.signal_since = assessment.since
    milestone.light_reason = assessment.reason
    milestone.next_check_at = assessment.next_check_at
    return milestone


@dataclass
class FlagResult:
    checked: int = 0
    changed: Counter = field(default_factory=Counter)
    batches: int = 0


class _Row(NamedTuple):
    """The fields of a milestone the rules read, fetched as a tuple: no model instances."""

    pk: int
    status: str
    starts_on: dt.date
    due_on: dt.date | None
    completed_on: dt.date | None
    last_activity_at: dt.datetime
    signal: str
    signal_since: dt.datetime
    stale_after_days: int
    commitment_id: int
    light_reason: str


_ROW_FIELDS = [
    "id",
    "status",
    "starts_on",
    "due_on",
    "completed_on",
    "last_activity_at",
    "signal",
    "signal_since",
    "commitment__action_plan__state__stale_after_days",
    "commitment_id",
    "light_reason",
]


# Table names come from our models; every value is a bound parameter.
_UPDATE_BATCH = """
    UPDATE {table} AS m
    SET signal = v.signal, signal_since = v.signal_since, next_check_at = v.next_check_at,
        light_reason = v.light_reason
    FROM unnest(%b::bigint[], %b::varchar[], %b::timestamptz[], %b::timestamptz[],
            %b::varchar[])
        AS v(id, signal, signal_since, next_check_at, light_reason)
    WHERE m.id = v.id
"""
_INSERT_TRANSITIONS = """
    INSERT INTO {table} (milestone_id, old_signal, new_signal, happened_at, recorded_at, cause)
    SELECT t.milestone_id, t.old_signal, t.new_signal, t.happened_at, %b, %b
    FROM unnest(%b::bigint[], %b::varchar[], %b::varchar[], %b::timestamptz[])
        AS t(milestone_id, old_signal, new_signal, happened_at)
"""


def _write_batch(updates, steps, *, now, cause):
    """Writes a batch's new lights and its transitions in two statements, whatever its size.

    On PostgreSQL, UPDATE ... FROM unnest() and INSERT ... SELECT FROM unnest() send each
    column as one array; Django's bulk_update would build a CASE of one branch per row, which
    PostgreSQL evaluates row by row, quadratic in the batch size.
    """
    if connection.vendor != "postgresql":
        Milestone.objects.bulk_update(
            [
                Milestone(
                    pk=pk,
                    signal=signal,
                    signal_since=since,
                    next_check_at=next_check,
                    light_reason=reason,
                )  # fmt: skip
                for pk, signal, since, next_check, reason in updates
            ],
            ["signal", "signal_since", "next_check_at", "light_reason"],
        )
        Transition.objects.bulk_create(
            Transition(
                milestone_id=pk,
                old_signal=a,
                new_signal=b,
                happened_at=at,
                recorded_at=now,
                cause=cause,
            )
            for pk, a, b, at in steps
        )
        return
    ids, signals, sinces, next_checks, reasons = (
        list(column) for column in zip(*updates, strict=True)
    )
    import psycopg  # the PostgreSQL driver, present whenever this branch runs

    connection.ensure_connection()
    # A server-side binding cursor on Django's connection (same transaction) sends the arrays
    # in binary (%b): psycopg dumps a list of datetimes some twenty times faster than as text.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            _UPDATE_BATCH.format(table=Milestone._meta.db_table),  # nosec B608
            [ids, signals, sinces, next_checks, reasons],
        )
        if steps:
            pks, olds, news, ats = (list(column) for column in zip(*steps, strict=True))
            cursor.execute(
                _INSERT_TRANSITIONS.format(table=Transition._meta.db_table),  # nosec B608
                [now, cause, pks, olds, news, ats],
            )


class _Batch(NamedTuple):
    checked: int
    last_id: int | None
    changed: Counter
    # The commitments of the milestones whose light or reason changed: what public pages show.
    commitments: frozenset = frozenset()


def _flag_batch_in_python(*, now, after, size, cause):
    """One batch with the rules of rules.py: one SELECT, one UPDATE, one INSERT."""
    batch = [
        _Row(*values)
        for values in Milestone.objects.filter(next_check_at__lte=now, id__gt=after)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("id")
        .values_list(*_ROW_FIELDS)[:size]
    ]
    if not batch:
        return _Batch(0, None, Counter())
    updates, steps, changed, shown = [], [], Counter(), set()
    for milestone in batch:
        assessment = rules.assess_milestone(
            milestone, stale_after_days=milestone.stale_after_days, now=now
        )
        # The clock's rule for when a change happened (at its onset) holds for every cause
        # here: a batch re-assesses what the rules say, not what a person did.
        change = _change_for(milestone, assessment, now=now, cause=Transition.Cause.CLOCK)
        if change:
            steps.append((milestone.pk, *change))
        signal, since = milestone.signal, milestone.signal_since
        if (assessment.signal, assessment.reason) != (signal, milestone.light_reason):
            shown.add(milestone.commitment_id)
        if assessment.signal != signal:
            changed[(signal, assessment.signal)] += 1
            signal, since = assessment.signal, assessment.since
        updates.append((milestone.pk, signal, since, assessment.next_check_at, assessment.reason))
    _write_batch(updates, steps, now=now, cause=cause)
    return _Batch(len(batch), batch[-1].pk, changed, frozenset(shown))


def _flag_batch_in_database(*, now, after, size, cause):
    """One batch in one statement, with the rules of rules.py written in SQL (rules_sql)."""
    with connection.cursor() as cursor:
        cursor.execute(
            rules_sql.flag_batch_sql(),
            rules_sql.flag_batch_params(now=now, after=after, size=size, cause=cause),
        )
        checked, last_id, olds, news, counts, shown = cursor.fetchone()
    pairs = zip(olds or [], news or [], strict=True)
    changed = Counter(dict(zip(pairs, counts or [], strict=True)))
    return _Batch(checked, last_id, changed, frozenset(shown or ()))


# A batch that changes the lights of more commitments than this drops every page (one bump of
# "global") instead of naming each one's scopes: a plan loaded after its dates, a threshold
# shortened, the clock after weeks stopped. In normal operation (every 15 minutes) a run
# changes a handful, and only their pages are dropped.
PRECISE_INVALIDATION_LIMIT = 500


def _invalidate_shown(commitment_ids):
    if len(commitment_ids) > PRECISE_INVALIDATION_LIMIT:
        invalidate_public_pages()
    elif commitment_ids:
        invalidate_commitment_pages(*commitment_ids)


def flag_stale_milestones(
    *, now, batch_size=10_000, in_database=None, cause=Transition.Cause.CLOCK
):
    """Re-assess every milestone whose next check is due, in batches, and record light changes.

    Each batch locks its rows with SKIP LOCKED, so concurrent runs share the work and never
    assess the same milestone twice; each row's next check moves past `now`, so a second run
    finds nothing to do. Batches walk the ids upward: each one starts where the last ended
    instead of stepping again over the index entries of the rows already done (cost quadratic
    in the number of batches). A row skipped because another run holds it is that run's to do.

    On PostgreSQL (`in_database`, its default there) a batch is one statement that locks,
    assesses with the rules of rules.py written in SQL (`rules_sql`), updates the lights and
    writes the transitions. Otherwise a batch is one SELECT, the rules of rules.py in Python,
    one UPDATE and one INSERT.
    """
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    run_batch = _flag_batch_in_database if in_database else _flag_batch_in_python
    result = FlagResult()
    last_id = 0
    while True:
        with transaction.atomic():
            batch = run_batch(now=now, after=last_id, size=batch_size, cause=cause)
            if not batch.checked:
                return result
            last_id = batch.last_id
            result.checked += batch.checked
            result.batches += 1
            result.changed.update(batch.changed)
            # Per batch, so a run that fails half-way still invalidates what it committed.
            _invalidate_shown(batch.commitments)


# Milestones made due at once by reassess() beyond which PostgreSQL re-reads the table's
# statistics before the batches (one batch's worth).
REPLAN_AFTER = 10_000


def _analyze_milestones():
    """ANALYZE of the milestones inside the caller's transaction. It waits for no VACUUM or
    other ANALYZE holding the table (its lock would keep the rows the transaction marked
    locked meanwhile): after 2 s without the lock it is skipped, and the batches run on the
    old statistics, slower but right."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Local to the transaction: rolled back with the savepoint, or put back after.
            cursor.execute("SHOW lock_timeout")
            (before,) = cursor.fetchone()
            cursor.execute("SELECT set_config('lock_timeout', '2s', true)")
            cursor.execute(f'ANALYZE "{Milestone._meta.db_table}"')
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    except OperationalError:
        logger.warning("reassess: the milestones' statistics were not refreshed (table busy)")


def reassess(milestones, *, now, cause):
    """Re-assess some milestones at once (a state's threshold changed, a restore).

    They are made due for a check now and go through the stale job's own engine, so a change
    of many lights is computed and recorded exactly as the clock would: one transition per
    changed light, at the onset the rules compute, marked with `cause`. Call it inside the
    transaction of the change (the caller's atomic block), so lights are right at commit.
    """
    # Completed milestones too: a change of method can change their reason (completed late).
    due = milestones
    with transaction.atomic():
        # First what the clock has due anyway, as the clock's; then nothing else is due at
        # `now`, and the second run assesses exactly these milestones, under `cause`.
        flag_stale_milestones(now=now)
        marked = due.update(next_check_at=now)
        if marked > REPLAN_AFTER and connection.vendor == "postgresql":
            # The planner's statistics predate this transaction's update, so it would take
            # the rows just made due for a handful: each batch then read every row left due
            # and joined them row by row, quadratic (a pass over 200,000 milestones took
            # 160 s, its last batches 50 s each). ANALYZE sees this transaction's rows and
            # is rolled back with it.
            _analyze_milestones()
        result = flag_stale_milestones(now=now, cause=cause)
        if result.changed:
            outbox.enqueue_once("alerts.process_transitions")
    return result


def refresh_light(milestone, *, now, cause, actor=None):
    """Re-assess one milestone after an action changed it; call inside the action's transaction.

    The new light takes effect at once and its transition (returned; None when the light
    stays) is written in the same transaction, marked with the person who caused it so they
    are not notified of their own action.
    """
    stale_after_days = milestone.commitment.action_plan.state.stale_after_days
    assessment = rules.assess_milestone(milestone, stale_after_days=stale_after_days, now=now)
    change = _change_for(milestone, assessment, now=now, cause=cause)
    transition = None
    if change:
        old, new, at = change
        transition = Transition.objects.create(
            milestone_id=milestone.pk, old_signal=old, new_signal=new, happened_at=at,
            recorded_at=now, cause=cause, actor=actor,
        )  # fmt: skip
    if assessment.signal != milestone.signal:
        milestone.signal = assessment.signal
        milestone.signal_since = now
    milestone.next_check_at = assessment.next_check_at
    milestone.light_reason = assessment.reason
    Milestone.objects.filter(pk=milestone.pk).update(
        signal=milestone.signal,
        signal_since=milestone.signal_since,
        next_check_at=milestone.next_check_at,
        light_reason=milestone.light_reason,
    )
    if transition:
        # Whoever follows the milestone hears of it within seconds rather than at the beat's
        # next check; by name, since alerts depends on commitments and not the reverse.
        outbox.enqueue_once("alerts.process_transitions")
    invalidate_commitment_pages(milestone.commitment_id)
    return transition
