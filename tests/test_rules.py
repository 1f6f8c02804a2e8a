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
