"""The traffic-light rules, with `now` passed in: no database, no clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commitments.rules import GREEN, RED, YELLOW, assess

MX = ZoneInfo("America/Mexico_City")


def at(y, m, d, h=12):
    return dt.datetime(y, m, d, h, tzinfo=MX)


def light(now, **kw):
    fields = {
        "status": "in_progress",
        "starts_on": dt.date(2026, 1, 1),
        "due_on": dt.date(2026, 6, 30),
        "last_activity_at": at(2026, 3, 15),
        "stale_after_days": 180,
        "now": now,
        "tz": MX,
    }
    return assess(**{**fields, **kw})


def test_green_with_recent_activity_and_a_distant_due_date():
    a = light(at(2026, 4, 1))
    assert (a.signal, a.overdue, a.stale, a.at_risk) == (GREEN, False, False, False)
    # Next look: when the due date comes within 30 days (31 May), before quiet half-threshold.
    assert a.next_check_at == dt.datetime(2026, 5, 31, tzinfo=MX)


def test_overdue_from_the_day_after_the_due_date():
    assert light(at(2026, 6, 30, 23)).signal == YELLOW
    a = light(at(2026, 7, 1, 0))
    assert a.signal == RED and a.overdue
    assert a.since == dt.datetime(2026, 7, 1, tzinfo=MX)
    assert a.next_check_at is None


def test_completed_is_green_even_after_the_due_date():
    a = light(at(2027, 1, 1), status="completed")
    assert a.signal == GREEN
    assert a.next_check_at is None


def test_due_within_30_days_is_at_risk():
    assert light(at(2026, 5, 30, 23)).signal == GREEN
    a = light(at(2026, 5, 31, 0))
    assert a.signal == YELLOW and a.at_risk
    assert a.since == dt.datetime(2026, 5, 31, tzinfo=MX)
    # The next change by itself is going overdue.
    assert a.next_check_at == dt.datetime(2026, 7, 1, tzinfo=MX)


def test_stale_after_the_threshold_without_activity():
    kw = {"due_on": dt.date(2027, 12, 31), "last_activity_at": at(2026, 1, 10)}
    assert light(at(2026, 7, 9, 11), **kw).signal == YELLOW  # quiet for over 90 days
    a = light(at(2026, 7, 9, 12), **kw)
    assert a.signal == RED and a.stale and not a.overdue
    assert a.since == at(2026, 1, 10) + dt.timedelta(days=180)


def test_quiet_for_half_the_threshold_is_at_risk():
    kw = {"due_on": dt.date(2027, 12, 31), "last_activity_at": at(2026, 1, 10)}
    assert light(at(2026, 4, 10, 11), **kw).signal == GREEN
    assert light(at(2026, 4, 10, 12), **kw).signal == YELLOW


def test_the_state_threshold_is_used():
    kw = {"due_on": dt.date(2027, 12, 31), "last_activity_at": at(2026, 1, 10)}
    assert light(at(2026, 2, 10), stale_after_days=30, **kw).signal == RED
    assert light(at(2026, 2, 10), stale_after_days=365, **kw).signal == GREEN


def test_quiet_clock_starts_at_the_planned_start():
    # Created long ago, but not planned to start until 2027: nothing was expected yet.
    kw = {
        "starts_on": dt.date(2027, 1, 1),
        "due_on": dt.date(2027, 12, 31),
        "last_activity_at": at(2025, 1, 1),
    }
    assert light(at(2026, 12, 1), **kw).signal == GREEN
    assert light(at(2027, 6, 30, 1), **kw).signal == RED


def test_red_since_is_the_earliest_red_onset():
    # Both overdue (1 July) and stale (since late August); red since the first of them.
    a = light(at(2026, 10, 1), last_activity_at=at(2026, 2, 28))
    assert a.overdue and a.stale
    assert a.since == dt.datetime(2026, 7, 1, tzinfo=MX)


@pytest.mark.parametrize("status", ["not_started", "in_progress"])
def test_unfinished_statuses_follow_the_same_rules(status):
    assert light(at(2026, 8, 1), status=status).signal == RED


def test_next_check_is_never_in_the_past():
    now = at(2026, 6, 15)
    for days in range(0, 400, 7):
        a = light(now, last_activity_at=now - dt.timedelta(days=days))
        assert a.next_check_at is None or a.next_check_at > now


@pytest.mark.parametrize(
    ("red", "yellow", "total", "expected"),
    [(0, 0, 10, GREEN), (0, 1, 10, YELLOW), (1, 0, 10, YELLOW), (2, 0, 10, RED), (0, 0, 0, GREEN)],
)
def test_light_of_a_group(red, yellow, total, expected):
    from commitments.rules import aggregate_light

    assert aggregate_light(red=red, yellow=yellow, total=total) == expected


# Method 2: reasons, undated and month-only dates, late completions, the clock's reset.


def test_every_light_carries_its_reason():
    from commitments import rules

    assert light(at(2026, 4, 1)).reason == rules.ON_TRACK
    assert light(at(2026, 6, 1)).reason == rules.DUE_SOON
    assert light(at(2026, 7, 1, 0)).reason == rules.OVERDUE
    quiet = light(at(2026, 6, 20), due_on=dt.date(2027, 6, 30))
    assert (quiet.signal, quiet.reason) == (YELLOW, rules.QUIET)
    assert quiet.next_check_at == dt.datetime(2026, 9, 11, 12, tzinfo=MX)  # stale then
    # A quiet milestone is looked at again the day it comes within 30 days of its due date,
    # when its reason becomes "due soon", if that comes before it would turn stale.
    soon = light(at(2026, 6, 20), due_on=dt.date(2026, 8, 31))
    assert (soon.reason, soon.next_check_at) == (rules.QUIET, dt.datetime(2026, 8, 1, tzinfo=MX))
    stale = light(at(2026, 9, 12, 13), due_on=dt.date(2027, 6, 30))
    assert (stale.signal, stale.reason) == (RED, rules.STALE)
    # ... and once more when it falls due, when its reason becomes "overdue".
    assert stale.next_check_at == dt.datetime(2027, 7, 1, tzinfo=MX)


def test_undated_is_yellow_never_green_and_red_once_stale():
    from commitments import rules

    a = light(at(2026, 3, 16), due_on=None)
    assert (a.signal, a.reason) == (YELLOW, rules.UNDATED)
    assert a.next_check_at == at(2026, 3, 15) + dt.timedelta(days=180)
    b = light(at(2026, 9, 12), due_on=None)
    assert (b.signal, b.reason, b.stale) == (RED, rules.STALE, True)
    assert light(at(2026, 9, 12), due_on=None, status="completed").signal == GREEN


def test_completed_after_the_due_date_is_green_but_late():
    from commitments import rules

    late = light(at(2026, 9, 1), status="completed", completed_on=dt.date(2026, 8, 31))
    assert (late.signal, late.reason) == (GREEN, rules.COMPLETED_LATE)
    on_time = light(at(2026, 9, 1), status="completed", completed_on=dt.date(2026, 6, 30))
    assert on_time.reason == rules.COMPLETED
    days = rules.days_late(
        status="completed", due_on=dt.date(2026, 6, 30), completed_on=dt.date(2026, 8, 31),
        signal=GREEN, today=dt.date(2026, 9, 1),
    )  # fmt: skip
    assert days == 62
    assert rules.days_late(
        status="completed", due_on=dt.date(2026, 6, 30), completed_on=dt.date(2026, 6, 30),
        signal=GREEN, today=dt.date(2026, 9, 1),
    ) is None  # fmt: skip
    open_late = rules.days_late(
        status="in_progress", due_on=dt.date(2026, 6, 30), completed_on=None, signal=RED,
        today=dt.date(2026, 7, 3),
    )  # fmt: skip
    assert open_late == 3


def test_a_month_only_date_falls_due_at_the_end_of_the_month():
    from commitments.rules import normalise_due

    assert normalise_due(dt.date(2027, 2, 1), "month") == dt.date(2027, 2, 28)
    assert normalise_due(dt.date(2028, 2, 10), "month") == dt.date(2028, 2, 29)
    assert normalise_due(dt.date(2027, 12, 5), "month") == dt.date(2027, 12, 31)
    assert normalise_due(dt.date(2027, 12, 5), "day") == dt.date(2027, 12, 5)
    assert normalise_due(None, "month") is None


def test_only_the_governments_work_resets_the_clock():
    from commitments.rules import resets_stale_clock

    assert resets_stale_clock(by_government=True, changes_something=True)
    assert not resets_stale_clock(by_government=True, changes_something=False)
    assert not resets_stale_clock(by_government=False, changes_something=True)
