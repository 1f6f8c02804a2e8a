"""The rules of `commitments.rules`, in SQL, for the stale job and the audit on PostgreSQL.

`rules.assess` stays the reference: it turns the light after every status update and piece of
evidence, and it runs the stale job on SQLite. On PostgreSQL the job assesses a whole batch
in the database with the one statement below, so that no row travels to Python and back;
`audit_lights` (services.audit) reads every milestone through the same SQL to find stored
lights that differ from it. `tests/test_flag_stale_sql.py` checks, on a grid of every
boundary, that it gives exactly the light, `signal_since`, `next_check_at` and transitions that
`rules.py` gives.

Each step of `rules.assess`, as written here:

- the four onsets: `overdue_at` (midnight after the due date), `stale_at` (the quiet clock's
  start plus the state's threshold), `due_soon_at` (midnight `DUE_SOON_DAYS` before the due
  date) and `quiet_at` (the quiet clock's start plus `QUIET_SHARE` of the threshold); the
  rules' constants are bound parameters taken from `rules` (`flag_batch_params`), never
  written again here. The quiet clock starts at the last activity or at the midnight of the
  planned start, whichever is later (the activity on a tie, as Python's `max` keeps its
  first argument). Python adds a `timedelta` to an aware datetime on its wall clock: to the
  activity, read from the database in UTC, that is exact hours; to the start's midnight, in
  the site's zone, that is calendar days (the two differ across a daylight-saving change,
  which Mexico had until 2022). So the threshold is added here as `interval '24 hours'`
  times the days, either to the `timestamptz` of the activity (exact hours) or to the local
  `timestamp` of the start (wall clock), never as `interval '1 day'`. Local times become
  instants with `timestamp AT TIME ZONE <site zone>`, which is what `rules._midnight` does
  for every midnight and noon of the site's zone (tested from 1970 to 2100; in a zone whose clocks
  went back at midnight the two would pick different sides of the repeated hour);
- red when one red onset has passed, and since the earlier red onset (the earlier one has
  then passed too), checked again at the due date's onset while only stale; undated (no due
  date: its date onsets are NULL, which LEAST skips and comparisons leave false) is yellow
  since its planned start (or now), next check when stale; yellow when one yellow onset has
  passed, since the earlier yellow onset, next check at the earlier red onset (or when a
  quiet milestone becomes due soon); green otherwise, since now, next check at the earliest
  onset; completed milestones are green, since now, never checked again by the clock;
- the reason, the first that holds of the order in `rules`;
- one transition per change, as `services.light._change_for` gives it for the clock: from the old
  light to the new one at the new light's onset (green to red included: the tracker never
  showed it yellow).
"""

from django.conf import settings

from states.models import State

from . import rules
from .models import ActionPlan, Commitment, Milestone, Transition

# The rules, as two CTEs that read a CTE named `due` (id, status, signal, light_reason,
# commitment_id, starts_on, due_on, completed_on, last_activity_at, stale_after_days) and give
# `assessed` (id, old_signal, old_reason, commitment_id, new_signal, new_reason, new_since,
# new_next_check_at): shared by the stale job's batch and
# the audit, so both apply the same SQL, the one the grid test compares with rules.py.
ASSESS = """
onsets AS (
    SELECT d.id, d.signal, d.light_reason, d.commitment_id,
        d.status = %(completed)s AS completed,
        d.due_on IS NULL AS undated,
        COALESCE(d.completed_on > d.due_on, false) AS completed_late,
        d.starts_on::timestamp AT TIME ZONE %(tz)s AS start_at,
        (d.due_on + 1)::timestamp AT TIME ZONE %(tz)s AS overdue_at,
        CASE WHEN q.from_activity
            THEN d.last_activity_at + d.stale_after_days * interval '24 hours'
            ELSE (d.starts_on + d.stale_after_days * interval '24 hours') AT TIME ZONE %(tz)s
        END AS stale_at,
        (d.due_on - %(due_soon_days)s::integer)::timestamp AT TIME ZONE %(tz)s AS due_soon_at,
        CASE WHEN q.from_activity
            THEN d.last_activity_at + q.quiet_after
            ELSE (d.starts_on + q.quiet_after) AT TIME ZONE %(tz)s
        END AS quiet_at
    FROM due AS d
    CROSS JOIN LATERAL (
        SELECT d.last_activity_at >= d.starts_on::timestamp AT TIME ZONE %(tz)s AS from_activity,
            d.stale_after_days * %(quiet_share)s::float8 * interval '24 hours' AS quiet_after
    ) AS q
),
assessed AS MATERIALIZED (
    SELECT o.id, o.signal AS old_signal, o.light_reason AS old_reason, o.commitment_id,
        l.new_signal, l.new_reason,
        CASE
            WHEN l.new_signal = %(red)s THEN LEAST(o.overdue_at, o.stale_at)
            WHEN l.new_signal = %(yellow)s AND o.undated THEN LEAST(%(now)s, o.start_at)
            WHEN l.new_signal = %(yellow)s THEN LEAST(o.due_soon_at, o.quiet_at)
            ELSE %(now)s
        END AS new_since,
        CASE
            WHEN o.completed THEN NULL
            WHEN l.new_signal = %(red)s THEN
                CASE WHEN l.new_reason = %(overdue)s THEN NULL ELSE o.overdue_at END
            WHEN l.new_reason = %(undated)s THEN o.stale_at
            WHEN l.new_reason = %(due_soon)s THEN LEAST(o.overdue_at, o.stale_at)
            WHEN l.new_signal = %(yellow)s THEN LEAST(o.overdue_at, o.stale_at, o.due_soon_at)
            ELSE LEAST(o.overdue_at, o.stale_at, o.due_soon_at, o.quiet_at)
        END AS new_next_check_at
    FROM onsets AS o
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN o.completed THEN %(green)s
            WHEN %(now)s >= o.overdue_at OR %(now)s >= o.stale_at THEN %(red)s
            WHEN o.undated THEN %(yellow)s
            WHEN %(now)s >= o.due_soon_at OR %(now)s >= o.quiet_at THEN %(yellow)s
            ELSE %(green)s
        END AS new_signal,
        CASE
            WHEN o.completed AND o.completed_late THEN %(completed_late)s
            WHEN o.completed THEN %(completed_reason)s
            WHEN %(now)s >= o.overdue_at THEN %(overdue)s
            WHEN %(now)s >= o.stale_at THEN %(stale)s
            WHEN o.undated THEN %(undated)s
            WHEN %(now)s >= o.due_soon_at THEN %(due_soon)s
            WHEN %(now)s >= o.quiet_at THEN %(quiet)s
            ELSE %(on_track)s
        END AS new_reason
    ) AS l
)
"""

# One batch: lock the next rows due (SKIP LOCKED, ids upward), assess them, write their new
# lights and their transitions. Returns one row: how many were checked, the last id, how many
# changed from what to what, and the commitments whose milestones changed light or reason (the
# pages to drop). Table names come from our models; every value is a bound parameter.
#
# The UPDATE names its rows' ids as an array too, so that it reads them on the primary key:
# joined to the batch alone, the planner hashed the batch and scanned the whole table for
# every batch below about a million milestones (a job quadratic in the table's size: 2.4
# times the raw UPDATE at 400,000 milestones, 1.55 with the array). The audit's join gets its
# range of ids for the same reason.
# What the rules read of a milestone and its state, for the `due` CTE.
_DUE_FROM = """
    SELECT m.id, m.status, m.signal, m.light_reason, m.commitment_id, m.starts_on, m.due_on,
        m.completed_on, m.last_activity_at, s.stale_after_days
    FROM {milestone} AS m
    JOIN {commitment} AS c ON c.id = m.commitment_id
    JOIN {plan} AS p ON p.id = c.action_plan_id
    JOIN {state} AS s ON s.id = p.state_id
"""

FLAG_BATCH = """
WITH due AS MATERIALIZED ({due_from}    WHERE m.next_check_at <= %(now)s AND m.id > %(after)s
    ORDER BY m.id
    LIMIT %(size)s
    FOR UPDATE OF m SKIP LOCKED
),
{assess},
updated AS (
    UPDATE {milestone} AS m
    SET signal = a.new_signal,
        signal_since = CASE
            WHEN a.new_signal <> a.old_signal THEN a.new_since ELSE m.signal_since
        END,
        next_check_at = a.new_next_check_at,
        light_reason = a.new_reason
    FROM assessed AS a
    WHERE m.id = a.id AND m.id = ANY(ARRAY(SELECT id FROM due))
),
inserted AS (
    INSERT INTO {transition}
        (milestone_id, old_signal, new_signal, happened_at, recorded_at, cause)
    SELECT a.id, a.old_signal, a.new_signal, a.new_since, %(now)s, %(cause)s
    FROM assessed AS a
    WHERE a.new_signal <> a.old_signal
    ORDER BY a.id
)
SELECT b.checked, b.last_id, c.old_signals, c.new_signals, c.counts, s.commitment_ids
FROM (SELECT count(*) AS checked, max(id) AS last_id FROM assessed) AS b
CROSS JOIN (
    SELECT array_agg(DISTINCT commitment_id) AS commitment_ids
    FROM assessed
    WHERE new_signal <> old_signal OR new_reason <> old_reason
) AS s
CROSS JOIN (
    SELECT array_agg(g.old_signal) AS old_signals, array_agg(g.new_signal) AS new_signals,
        array_agg(g.n) AS counts
    FROM (
        SELECT old_signal, new_signal, count(*) AS n
        FROM assessed
        WHERE new_signal <> old_signal
        GROUP BY old_signal, new_signal
    ) AS g
) AS c
"""


# The audit (services.audit): the milestones of one range of ids whose stored light, reason
# or next check differ from what the rules give at `now`, or whose light disagrees with the
# last transition of their public record (its new light and when it happened). Reads only.
AUDIT_BATCH = """
WITH due AS MATERIALIZED ({due_from}    WHERE m.id > %(after)s AND m.id <= %(upto)s
),
{assess}
SELECT a.id, m.signal, a.new_signal, m.light_reason, a.new_reason,
    m.next_check_at, a.new_next_check_at, m.signal_since, a.new_since,
    r.new_signal AS recorded_signal, r.happened_at AS recorded_at
FROM assessed AS a
JOIN {milestone} AS m ON m.id = a.id AND m.id > %(after)s AND m.id <= %(upto)s
LEFT JOIN LATERAL (
    SELECT t.new_signal, t.happened_at
    FROM {transition} AS t
    WHERE t.milestone_id = a.id
    ORDER BY t.id DESC
    LIMIT 1
) AS r ON true
WHERE m.signal <> a.new_signal
    OR m.light_reason <> a.new_reason
    OR m.next_check_at IS DISTINCT FROM a.new_next_check_at
    OR m.signal_since > %(now)s
    OR r.new_signal <> m.signal
    OR r.happened_at <> m.signal_since
ORDER BY a.id
"""


def _tables(sql):
    # The shared parts first, then the table names (which they name too).
    sql = sql.replace("{due_from}", _DUE_FROM).replace("{assess}", ASSESS)
    return sql.format(
        milestone=Milestone._meta.db_table,
        commitment=Commitment._meta.db_table,
        plan=ActionPlan._meta.db_table,
        state=State._meta.db_table,
        transition=Transition._meta.db_table,
    )


def flag_batch_sql():
    return _tables(FLAG_BATCH)


def audit_batch_sql():
    return _tables(AUDIT_BATCH)


def flag_batch_params(*, now, after, size, cause=Transition.Cause.CLOCK):
    return {
        "now": now,
        "after": after,
        "size": size,
        "tz": settings.TIME_ZONE,
        "due_soon_days": rules.DUE_SOON_DAYS,
        # Bound as float8 (PostgreSQL multiplies an interval by a float8); half of whole days
        # is exact in microseconds, as in Python's timedelta.
        "quiet_share": float(rules.QUIET_SHARE),
        "completed": Milestone.Status.COMPLETED,
        "green": rules.GREEN,
        "yellow": rules.YELLOW,
        "red": rules.RED,
        "on_track": rules.ON_TRACK,
        "due_soon": rules.DUE_SOON,
        "quiet": rules.QUIET,
        "overdue": rules.OVERDUE,
        "stale": rules.STALE,
        "undated": rules.UNDATED,
        "completed_reason": rules.COMPLETED,
        "completed_late": rules.COMPLETED_LATE,
        "cause": cause,
    }


def audit_batch_params(*, now, after, upto):
    return {**flag_batch_params(now=now, after=after, size=0), "upto": upto}
