"""Writes. Every change to milestones, their evidence and their traffic light goes through here."""

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction

from . import rules
from .models import Milestone, Transition


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _steps_for(milestone, assessment, *, now, cause):
    """The light changes a fresh assessment implies, as (from, to, when it really happened).

    A milestone that the job last saw green and that has since passed both its yellow and its
    red onsets gets two steps, green to yellow then yellow to red, so the public record says
    when each happened.
    """
    old, new = milestone.signal, assessment.signal
    if old == new:
        return []
    # A person's action changes the light when it happens; the clock, at the computed onset.
    steps = [(old, new, assessment.since if cause == Transition.Cause.CLOCK else now)]
    if cause == Transition.Cause.CLOCK and old == rules.GREEN and new == rules.RED:
        yellow = rules.assess(
            status=milestone.status,
            starts_on=milestone.starts_on,
            due_on=milestone.due_on,
            last_activity_at=milestone.last_activity_at,
            stale_after_days=milestone.stale_after_days,
            now=assessment.since - rules.EPSILON,
        )
        if yellow.signal == rules.YELLOW:
            steps = [(old, rules.YELLOW, yellow.since), (rules.YELLOW, new, assessment.since)]
    return steps


def _transitions_for(milestone, assessment, *, now, cause, actor=None):
    return [
        Transition(
            milestone_id=milestone.pk,
            old_signal=a,
            new_signal=b,
            happened_at=at,
            recorded_at=now,
            cause=cause,
            actor=actor,
        )
        for a, b, at in _steps_for(milestone, assessment, now=now, cause=cause)
    ]


@dataclass
class FlagResult:
    checked: int = 0
    changed: Counter = field(default_factory=Counter)
    transitions: list = field(default_factory=list)
    batches: int = 0


class _Row(NamedTuple):
    """The fields of a milestone the rules read, fetched as a tuple: no model instances."""

    pk: int
    status: str
    starts_on: dt.date
    due_on: dt.date
    last_activity_at: dt.datetime
    signal: str
    signal_since: dt.datetime
    stale_after_days: int


_ROW_FIELDS = [
    "id",
    "status",
    "starts_on",
    "due_on",
    "last_activity_at",
    "signal",
    "signal_since",
    "commitment__action_plan__state__stale_after_days",
]


def _write_batch(updates, steps, *, now):
    """Writes a batch's new lights and its transitions in two statements, whatever its size.

    On PostgreSQL, UPDATE ... FROM unnest() and INSERT ... SELECT FROM unnest() send each
    column as one array; Django's bulk_update would build a CASE of one branch per row, which
    PostgreSQL evaluates row by row, quadratic in the batch size.
    """
    if connection.vendor != "postgresql":
        Milestone.objects.bulk_update(
            [
                Milestone(pk=pk, signal=signal, signal_since=since, next_check_at=next_check)
                for pk, signal, since, next_check in updates
            ],
            ["signal", "signal_since", "next_check_at"],
        )
        Transition.objects.bulk_create(
            Transition(
                milestone_id=pk,
                old_signal=a,
                new_signal=b,
                happened_at=at,
                recorded_at=now,
                cause=Transition.Cause.CLOCK,
            )
            for pk, a, b, at in steps
        )
        return
    ids, signals, sinces, next_checks = (list(column) for column in zip(*updates, strict=True))
    import psycopg  # the PostgreSQL driver, present whenever this branch runs

    connection.ensure_connection()
    # A server-side binding cursor on Django's connection (same transaction) sends the arrays
    # in binary (%b): psycopg dumps a list of datetimes some twenty times faster than as text.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"""
            UPDATE {Milestone._meta.db_table} AS m
            SET signal = v.signal, signal_since = v.signal_since, next_check_at = v.next_check_at
            FROM unnest(%b::bigint[], %b::varchar[], %b::timestamptz[], %b::timestamptz[])
                AS v(id, signal, signal_since, next_check_at)
            WHERE m.id = v.id
            """,  # noqa: S608 (the table name is ours; values are parameters)
            [ids, signals, sinces, next_checks],
        )
        if steps:
            pks, olds, news, ats = (list(column) for column in zip(*steps, strict=True))
            cursor.execute(
                f"""
                INSERT INTO {Transition._meta.db_table}
                    (milestone_id, old_signal, new_signal, happened_at, recorded_at, cause)
                SELECT t.milestone_id, t.old_signal, t.new_signal, t.happened_at, %b, %b
                FROM unnest(%b::bigint[], %b::varchar[], %b::varchar[], %b::timestamptz[])
                    AS t(milestone_id, old_signal, new_signal, happened_at)
                """,  # noqa: S608
                [now, Transition.Cause.CLOCK, pks, olds, news, ats],
            )


def flag_stale_milestones(*, now, batch_size=10_000, keep_transitions=True):
    """Re-assess every milestone whose next check is due, in batches, and record light changes.

    Each batch locks its rows with SKIP LOCKED, so concurrent runs share the work and never
    assess the same milestone twice; each row's next check moves past `now`, so a second run
    finds nothing to do. A batch is one SELECT, one UPDATE and one INSERT (plus one SELECT of
    its transitions when `keep_transitions`), however many rows it holds.
    """
    result = FlagResult()
    clock = Transition.Cause.CLOCK
    # Batches walk the ids upward: each SELECT starts where the last one ended instead of
    # stepping again over the index entries of the rows already done (cost quadratic in the
    # number of batches). A row skipped because another run holds it is that run's to do.
    last_id = 0
    while True:
        with transaction.atomic():
            batch = [
                _Row(*values)
                for values in Milestone.objects.filter(next_check_at__lte=now, id__gt=last_id)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("id")
                .values_list(*_ROW_FIELDS)[:batch_size]
            ]
            if not batch:
                return result
            last_id = batch[-1].pk
            updates, steps = [], []
            for milestone in batch:
                assessment = rules.assess_milestone(
                    milestone, stale_after_days=milestone.stale_after_days, now=now
                )
                steps += [
                    (milestone.pk, a, b, at)
                    for a, b, at in _steps_for(milestone, assessment, now=now, cause=clock)
                ]
                signal, since = milestone.signal, milestone.signal_since
                if assessment.signal != signal:
                    result.changed[(signal, assessment.signal)] += 1
                    signal, since = assessment.signal, assessment.since
                updates.append((milestone.pk, signal, since, assessment.next_check_at))
            _write_batch(updates, steps, now=now)
            result.checked += len(batch)
            result.batches += 1
            if keep_transitions and steps:
                result.transitions += list(
                    Transition.objects.filter(
                        milestone_id__in=[m.pk for m in batch], recorded_at=now, cause=clock
                    ).order_by("milestone_id", "happened_at", "id")
                )


def refresh_signal(milestone, *, now, cause, actor=None):
    """Re-assess one milestone after an action changed it; call inside the action's transaction.

    The new light takes effect at once and its transition is written in the same transaction,
    marked with the person who caused it so they are not notified of their own action.
    """
    stale_after_days = milestone.commitment.action_plan.state.stale_after_days
    milestone.stale_after_days = stale_after_days
    assessment = rules.assess_milestone(milestone, stale_after_days=stale_after_days, now=now)
    transitions = _transitions_for(milestone, assessment, now=now, cause=cause, actor=actor)
    if assessment.signal != milestone.signal:
        milestone.signal = assessment.signal
        milestone.signal_since = now
    milestone.next_check_at = assessment.next_check_at
    Milestone.objects.filter(pk=milestone.pk).update(
        signal=milestone.signal,
        signal_since=milestone.signal_since,
        next_check_at=milestone.next_check_at,
    )
    Transition.objects.bulk_create(transitions)
    return transitions
