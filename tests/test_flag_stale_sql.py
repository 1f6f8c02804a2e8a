"""The stale job's rules in SQL (PostgreSQL) give exactly what `rules.py` gives.

On PostgreSQL the job assesses each batch in one statement (`commitments.rules_sql`); the
rules of `commitments.rules` stay the reference. Here a grid of milestones covering every
boundary (due yesterday, today, in 30 and 31 days, or undated; completed early, on the day
or late; activity exactly at the threshold and at
half of it, a microsecond either side; the quiet clock starting at the planned start; several
state thresholds, odd ones included; completed or not; each previous light; before and after
Mexico's last daylight-saving change) is assessed by the job in SQL, and every light, light
since, next check, reason and transition is compared with what `rules.assess` and the transitions of
`services.light._change_for` give for the same row.
"""

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from commitments import rules, services
from commitments.models import Milestone, Transition
from tests import factories as f

pytestmark = pytest.mark.django_db
MX = timezone.get_default_timezone()
UTC = dt.UTC
US = dt.timedelta(microseconds=1)

NOWS = {
    "morning": dt.datetime(2026, 11, 29, 9, 0, tzinfo=MX),
    # At midnight, onsets computed from dates fall exactly on now.
    "midnight": dt.datetime(2026, 12, 1, 0, 0, tzinfo=MX),
    # Half an hour after Mexico City's clocks went forward on 7 April 2019.
    "spring-2019": dt.datetime(2019, 4, 7, 3, 30, tzinfo=MX),
    # A midnight days after they went back (27 October 2019): wall-clock days from a planned
    # start before the change are not multiples of 24 hours.
    "autumn-2019": dt.datetime(2019, 11, 1, 0, 0, tzinfo=MX),
}
THRESHOLDS = [1, 7, 91, 180]  # days; 91 puts half the threshold at noon
# Days from today; None for a milestone with no due date ("undated").
DUE_IN = [-400, -31, -30, -1, 0, 1, 29, 30, 31, 60, 400, None]
OLD_SIGNALS = [rules.GREEN, rules.YELLOW, rules.RED]
OLD_SINCE = dt.datetime(2000, 1, 1, tzinfo=UTC)


def utc(value):
    return value and value.astimezone(UTC)


def requires_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the rules in SQL run on PostgreSQL (set DATABASE_URL)")


def starts(today, due_on, days):
    """Planned starts: long before, so the threshold or half of it ends today, today, and
    the due date itself; never after the due date (a database constraint)."""
    if due_on is None:
        due_on = today + dt.timedelta(days=400)
    options = [
        due_on - dt.timedelta(days=700),
        today - dt.timedelta(days=days),
        today - dt.timedelta(days=days // 2),
        today,
        due_on,
    ]
    return sorted({min(day, due_on) for day in options})


def activities(now, starts_on, days):
    """Last activities: exactly at the threshold and at its half, a microsecond either side,
    now, in the future, long ago, and on the planned start's midnight (a tie)."""
    threshold = dt.timedelta(days=days)
    moments = [now, now + dt.timedelta(hours=1), now - dt.timedelta(days=2000)]
    for edge in (now - threshold, now - threshold / 2):
        moments += [edge - US, edge, edge + US]
    moments.append(rules._midnight(starts_on, MX))
    return moments


def build_grid(now):
    today = timezone.localtime(now, MX).date()
    rows = []
    for days in THRESHOLDS:
        state = f.state(stale_after_days=days)
        commitment = f.commitment(f.action_plan(state), f.organisation(state))
        number = itertools.count(1)
        for due_in, completed, old in itertools.product(DUE_IN, (False, True), OLD_SIGNALS):
            due_on = None if due_in is None else today + dt.timedelta(days=due_in)
            for starts_on in starts(today, due_on, days):
                for last_activity_at in activities(now, starts_on, days):
                    n = next(number)
                    status = "completed" if completed else ("in_progress", "not_started")[n % 2]
                    # Completed a day early, on the day, or a day late (completed_late).
                    completed_on = (due_on or today) + dt.timedelta(days=n % 3 - 1)
                    rows.append(
                        Milestone(
                            commitment=commitment,
                            number=n,
                            title=f"Hito {n}",
                            starts_on=starts_on,
                            due_on=due_on,
                            status=status,
                            progress=100 if completed else 50,
                            completed_on=completed_on if completed else None,
                            last_activity_at=last_activity_at,
                            signal=old,
                            signal_since=OLD_SINCE,
                            next_check_at=now,
                        )
                    )
    Milestone.objects.bulk_create(rows, batch_size=2000)


def expected(now):
    """What rules.py says of every milestone, read back as the job reads it (in UTC)."""
    lights, steps, changed = {}, {}, Counter()
    clock = Transition.Cause.CLOCK
    for values in Milestone.objects.values_list(*services.light._ROW_FIELDS):
        row = services.light._Row(*values)
        a = rules.assess_milestone(row, stale_after_days=row.stale_after_days, now=now)
        since = row.signal_since
        if a.signal != row.signal:
            changed[(row.signal, a.signal)] += 1
            since = a.since
        lights[row.pk] = (a.signal, utc(since), utc(a.next_check_at), a.reason)
        change = services.light._change_for(row, a, now=now, cause=clock)
        steps[row.pk] = [(change[0], change[1], utc(change[2]))] if change else []
    return lights, steps, changed


def rules_reasons():
    from commitments.models import LightReason

    return LightReason.values


def describe(pk):
    m = Milestone.objects.select_related("commitment__action_plan__state").get(pk=pk)
    return (
        f"milestone {pk}: status {m.status}, starts {m.starts_on}, due {m.due_on}, last activity "
        f"{m.last_activity_at.isoformat()}, threshold "
        f"{m.commitment.action_plan.state.stale_after_days} days"
    )


@pytest.mark.parametrize("moment", NOWS)
def test_rules_in_sql_agree_with_rules_py_on_every_boundary(empty_db, moment):
    requires_postgresql()
    now = NOWS[moment]
    build_grid(now)
    want_lights, want_steps, want_changed = expected(now)
    assert len(want_lights) > 5000
    # Every light and every kind of change appears in the grid.
    assert {light for light, *_ in want_lights.values()} == set(OLD_SIGNALS)
    assert len(want_changed) == 6

    result = services.flag_stale_milestones(now=now, batch_size=1000, in_database=True)

    assert result.checked == len(want_lights)
    assert result.changed == want_changed
    # Every reason appears too.
    assert {reason for *_, reason in want_lights.values()} == set(rules_reasons())
    got_lights = {
        pk: (signal, utc(since), utc(next_check), reason)
        for pk, signal, since, next_check, reason in Milestone.objects.values_list(
            "pk", "signal", "signal_since", "next_check_at", "light_reason"
        )
    }
    wrong = [pk for pk in want_lights if got_lights[pk] != want_lights[pk]]
    assert not wrong, "\n".join(
        f"{describe(pk)}: SQL {got_lights[pk]}, rules.py {want_lights[pk]}" for pk in wrong[:5]
    )

    got_steps = {pk: [] for pk in want_steps}
    for t in Transition.objects.order_by("id"):
        assert (t.recorded_at, t.cause, t.actor_id, t.notified_at) == (now, "clock", None, None)
        got_steps[t.milestone_id].append((t.old_signal, t.new_signal, utc(t.happened_at)))
    wrong = [pk for pk in want_steps if got_steps[pk] != want_steps[pk]]
    assert not wrong, "\n".join(
        f"{describe(pk)}: SQL {got_steps[pk]}, rules.py {want_steps[pk]}" for pk in wrong[:5]
    )

    # A second run at the same moment finds nothing to do.
    again = services.flag_stale_milestones(now=now, in_database=True)
    assert (again.checked, again.changed) == (0, Counter())


def test_local_times_are_the_same_instants_in_sql_and_python():
    """rules_sql turns local dates into instants with AT TIME ZONE; rules.py with
    make_aware. For the site's zone they agree on every midnight and noon of 1970-2100."""
    requires_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d::date, d::date::timestamp AT TIME ZONE %s, "
            "(d::date + interval '12 hours') AT TIME ZONE %s "
            "FROM generate_series(date '1970-01-01', date '2100-12-31', interval '1 day') AS d",
            [settings.TIME_ZONE, settings.TIME_ZONE],
        )
        rows = cursor.fetchall()
    assert len(rows) == (dt.date(2100, 12, 31) - dt.date(1970, 1, 1)).days + 1
    wrong = [
        day
        for day, midnight, noon in rows
        if (utc(midnight), utc(noon))
        != (
            utc(rules._midnight(day, MX)),
            utc(rules._midnight(day, MX) + dt.timedelta(hours=12)),
        )
    ]
    assert wrong == []


# One moment: the SQL of the rules is the stale job's, which the test above runs at four.
@pytest.mark.parametrize("moment", ["autumn-2019"])
def test_the_audit_in_sql_finds_what_rules_py_finds(empty_db, moment):
    """`audit_lights` reads every milestone through the same SQL: on the grid, stored as
    never assessed, it finds in SQL exactly the differences rules.py finds; once the clock
    (in Python, the reference) has assessed the grid, it finds none."""
    requires_postgresql()
    from commitments.services import audit

    now = NOWS[moment]
    build_grid(now)

    def found(in_database):
        checked, differences = audit.find_differences(
            now=now, in_database=in_database, batch_size=3000
        )
        return checked, {
            d.milestone_id: {k: tuple(map(utc, v)) if k.endswith(("_at", "since")) else v
                             for k, v in d.fields.items()}
            for d in differences
        }  # fmt: skip

    in_sql, in_python = found(True), found(False)
    assert in_sql[0] == in_python[0] == Milestone.objects.count()
    assert len(in_python[1]) > 5000
    wrong = [pk for pk in in_python[1] if in_sql[1].get(pk) != in_python[1][pk]]
    assert not wrong and in_sql[1].keys() == in_python[1].keys(), "\n".join(
        f"{describe(pk)}: SQL {in_sql[1].get(pk)}, rules.py {in_python[1][pk]}" for pk in wrong[:5]
    )
    services.flag_stale_milestones(now=now, in_database=False)
    assert found(True)[1] == {}
