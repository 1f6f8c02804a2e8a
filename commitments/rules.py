"""The traffic light ("semáforo") of a milestone: pure functions of its fields and `now`.

- Overdue: the due date has passed and the milestone is not completed.
- Stale: not completed, and no status update and no evidence for longer than the state's
  threshold. The clock starts at the last activity, or at the planned start when that is
  later: nobody is expected to report on work that is not due to have begun.
- At risk: not completed, and due within 30 days or quiet for more than half the threshold.
- Red: overdue or stale. Yellow: at risk. Green: anything else, completed milestones included.

Dates are calendar days in the site's time zone: a milestone due on 30 June is overdue from
00:00 on 1 July, Mexico City time.

A commitment's light and status are derived from its milestones' in the database, where its
lists are filtered and sorted: selectors.COMMITMENT_LIGHT and COMMITMENT_STATUS.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

GREEN, YELLOW, RED = "green", "yellow", "red"
SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
DUE_SOON_DAYS = 30
# At risk once quiet for this share of the state's threshold (rules_sql receives it too).
QUIET_SHARE = 0.5


@dataclass(frozen=True)
class Assessment:
    signal: str
    overdue: bool
    stale: bool
    at_risk: bool
    # When the current light really began (for red and yellow, computed from the dates;
    # for green, now: only an action turns a light green).
    since: dt.datetime
    # The next moment the light can change by itself; None when only an action can change it.
    next_check_at: dt.datetime | None


# Cached: a batch of the stale job asks for the same few hundred dates thousands of times.
@functools.lru_cache(maxsize=4096)
def _midnight(day, tz):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)


def assess(*, status, starts_on, due_on, last_activity_at, stale_after_days, now, tz=None):
    """Assess one milestone at `now`. All inputs are plain values; nothing is read or written."""
    tz = tz or timezone.get_default_timezone()
    if status == "completed":
        return Assessment(GREEN, False, False, False, now, None)

    threshold = dt.timedelta(days=stale_after_days)
    quiet_from = max(last_activity_at, _midnight(starts_on, tz))
    overdue_at = _midnight(due_on + dt.timedelta(days=1), tz)
    stale_at = quiet_from + threshold
    due_soon_at = _midnight(due_on - dt.timedelta(days=DUE_SOON_DAYS), tz)
    quiet_at = quiet_from + threshold * QUIET_SHARE

    red_onsets = [overdue_at, stale_at]
    yellow_onsets = [due_soon_at, quiet_at]
    overdue, stale = now >= overdue_at, now >= stale_at
    at_risk = now >= due_soon_at or now >= quiet_at
    future = [t for t in red_onsets + yellow_onsets if t > now]
    next_check_at = min(future) if future else None

    if overdue or stale:
        since = min(t for t in red_onsets if t <= now)
        return Assessment(RED, overdue, stale, at_risk, since, None)
    if at_risk:
        since = min(t for t in yellow_onsets if t <= now)
        return Assessment(YELLOW, False, False, True, since, min(red_onsets))
    return Assessment(GREEN, False, False, False, now, next_check_at)


def is_overdue(*, signal, due_on, today):
    """Overdue as the tracker shows it: red, and past its due date.

    Read from the stored light, not from the date alone: from midnight until the stale job's
    next run (every 15 minutes) a milestone due yesterday is past its date but still shown
    yellow, and no page may count it overdue while it does not count it red. A completed
    milestone is green, so never overdue. overdue_filter() is this rule for a query.
    """
    return signal == RED and due_on < today


def days_overdue(*, signal, due_on, today):
    return (today - due_on).days if is_overdue(signal=signal, due_on=due_on, today=today) else 0


def overdue_filter(today, prefix=""):
    """is_overdue() for the milestones reached through `prefix` (e.g. "milestones__")."""
    return Q(**{f"{prefix}signal": RED, f"{prefix}due_on__lt": today})


def assess_milestone(milestone, *, stale_after_days, now):
    return assess(
        status=milestone.status,
        starts_on=milestone.starts_on,
        due_on=milestone.due_on,
        last_activity_at=milestone.last_activity_at,
        stale_after_days=stale_after_days,
        now=now,
    )


# A state or an institution is red when at least this share of its milestones is red.
RED_SHARE = 0.2


def aggregate_light(*, red, yellow, total):
    """The light of a group of milestones (a state, an institution).

    Red when at least one milestone in five is red; yellow when any is red or yellow; green
    otherwise. One late milestone among hundreds should not paint a whole state red, but a
    state should not look green while any of its milestones is late.
    """
    if total and red / total >= RED_SHARE:
        return RED
    if red or yellow:
        return YELLOW
    return GREEN
