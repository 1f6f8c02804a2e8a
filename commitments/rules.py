"""The traffic light ("semáforo") of a milestone: pure functions of its fields and `now`.

- Overdue: the due date has passed and the milestone is not completed.
- Stale: not completed, and no activity by the government side for longer than the state's
  threshold (`resets_stale_clock`: a status report that changes something, or evidence the
  government adds; a civil-society organisation's evidence and verdicts never reset it). The
  clock starts at the last such activity, or at the planned start when that is later: nobody
  is expected to report on work that is not due to have begun.
- At risk: not completed, and due within 30 days or quiet for more than half the threshold.
- Undated: not completed and with no due date: at risk, never silently on track. A date known
  only to the month is stored as that month's last day, when it falls due.
- Red: overdue or stale. Yellow: at risk or undated. Green: anything else, completed milestones
  included; a milestone completed after its due date is green with the reason
  "completed_late" and its days late (`days_late`).

Every light has one reason (`LightReason`), the first that holds of: overdue, stale (red);
undated, due_soon, quiet (yellow); completed_late, completed, on_track (green). The clock
checks a milestone again whenever its light or its reason can change by itself.

Dates are calendar days in the site's time zone: a milestone due on 30 June is overdue from
00:00 on 1 July, Mexico City time.

A commitment's light and status are derived from its milestones' in the database, where its
lists are filtered and sorted: selectors.COMMITMENT_LIGHT and COMMITMENT_STATUS.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone

GREEN, YELLOW, RED = "green", "yellow", "red"
ON_TRACK, DUE_SOON, QUIET, OVERDUE, STALE = "on_track", "due_soon", "quiet", "overdue", "stale"
UNDATED, COMPLETED, COMPLETED_LATE = "undated", "completed", "completed_late"
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
    reason: str
    # When the current light really began (for red and yellow, computed from the dates;
    # for green, now: only an action turns a light green).
    since: dt.datetime
    # The next moment the light can change by itself; None when only an action can change it.
    next_check_at: dt.datetime | None


# Cached: a batch of the stale job asks for the same few hundred dates thousands of times.
@functools.lru_cache(maxsize=4096)
def _midnight(day, tz):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)


def overdue_onset(due_on, tz=None):
    """When a milestone not completed falls overdue: the midnight after its due date."""
    return _midnight(due_on + dt.timedelta(days=1), tz or timezone.get_default_timezone())


def normalise_due(due_on, precision):
    """The date a milestone falls due: a date known only to the month is its last day."""
    if due_on is None or precision != "month":
        return due_on
    following = (due_on.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def completion_reason(*, due_on, completed_on):
    late = due_on is not None and completed_on is not None and completed_on > due_on
    return COMPLETED_LATE if late else COMPLETED


def assess(
    *, status, starts_on, due_on, last_activity_at, stale_after_days, now, completed_on=None,
    tz=None,
):  # fmt: skip
    """Assess one milestone at `now`. All inputs are plain values; nothing is read or written."""
    tz = tz or timezone.get_default_timezone()
    if status == "completed":
        reason = completion_reason(due_on=due_on, completed_on=completed_on)
        return Assessment(GREEN, False, False, False, reason, now, None)

    threshold = dt.timedelta(days=stale_after_days)
    quiet_from = max(last_activity_at, _midnight(starts_on, tz))
    stale_at = quiet_from + threshold
    quiet_at = quiet_from + threshold * QUIET_SHARE
    if due_on is None:
        # Undated: at risk from the start (its onset is the planned start, or now if later),
        # red once stale.
        if now >= stale_at:
            return Assessment(RED, False, True, True, STALE, stale_at, None)
        since = min(now, _midnight(starts_on, tz))
        return Assessment(YELLOW, False, False, True, UNDATED, since, stale_at)

    overdue_at = overdue_onset(due_on, tz)
    due_soon_at = _midnight(due_on - dt.timedelta(days=DUE_SOON_DAYS), tz)

    red_onsets = [overdue_at, stale_at]
    yellow_onsets = [due_soon_at, quiet_at]
    overdue, stale = now >= overdue_at, now >= stale_at
    at_risk = now >= due_soon_at or now >= quiet_at
    future = [t for t in red_onsets + yellow_onsets if t > now]
    next_check_at = min(future) if future else None

    if overdue or stale:
        since = min(t for t in red_onsets if t <= now)
        # Checked once more when a stale milestone falls due: its reason becomes "overdue".
        return Assessment(
            RED, overdue, stale, at_risk, OVERDUE if overdue else STALE, since,
            None if overdue else overdue_at,
        )  # fmt: skip
    if at_risk:
        since = min(t for t in yellow_onsets if t <= now)
        due_soon = now >= due_soon_at
        # Next: a red onset, or the day a quiet milestone's reason becomes "due soon".
        checks = red_onsets if due_soon else [*red_onsets, due_soon_at]
        return Assessment(
            YELLOW, False, False, True, DUE_SOON if due_soon else QUIET, since, min(checks)
        )
    return Assessment(GREEN, False, False, False, ON_TRACK, now, next_check_at)


def resets_stale_clock(*, by_government, changes_something):
    """Whether an action resets the quiet clock that makes a milestone stale.

    Only the government side's work does: a status report by an official that changes the
    status, the progress or the actual dates, and evidence added by a government
    organisation. A report that changes nothing ("sin cambios") is recorded and shown as a
    check, but does not reset it: otherwise one click a month would keep any milestone green
    whatever happens to the work. A civil-society organisation's evidence and verdicts are
    shown and never reset it: pressure must not make the government look better.
    """
    return by_government and changes_something


def days_late(*, status, due_on, completed_on, signal, today):
    """Days late against `due_on`: for a completed milestone, from the due date to its
    completion; for an open one, days since it fell due while it is shown overdue; None when
    not late (or undated)."""
    if due_on is None:
        return None
    if status == "completed":
        late = (completed_on - due_on).days if completed_on else 0
        return late if late > 0 else None
    return (today - due_on).days if is_overdue(signal=signal, due_on=due_on, today=today) else None


def days_late_original(*, status, due_on, first_due_on, completed_on, signal, today):
    """Days late against the due date of the plan as first published (`first_due_on`).

    The same as days_late() while the date never moved. Once it moved, a later date does not
    erase lateness against the original plan: a completed milestone counts from the first
    date to its completion, an open one every day since the first date passed, whatever its
    light now. None when not late against it (or it had no date).
    """
    if first_due_on == due_on:
        return days_late(
            status=status, due_on=due_on, completed_on=completed_on, signal=signal, today=today
        )
    if first_due_on is None:
        return None
    end = completed_on if status == "completed" else today
    late = (end - first_due_on).days if end else 0
    return late if late > 0 else None


def days_moved(*, due_on, first_due_on):
    """Days between the first published due date and the one in force (negative: earlier);
    0 when it never moved, None when either is missing."""
    if due_on is None or first_due_on is None:
        return None
    return (due_on - first_due_on).days


def is_overdue(*, signal, due_on, today):
    """Overdue as the tracker shows it: red, and past its due date.

    Read from the stored light, not from the date alone: from midnight until the stale job's
    next run (every 15 minutes) a milestone due yesterday is past its date but still shown
    yellow, and no page may count it overdue while it does not count it red. A completed
    milestone is green, so never overdue. overdue_filter() is this rule for a query.
    """
    return signal == RED and due_on is not None and due_on < today


def days_overdue(*, signal, due_on, today):
    return (today - due_on).days if is_overdue(signal=signal, due_on=due_on, today=today) else 0


def completed_late_filter(prefix=""):
    """Completed after the due date in force, for a query."""
    return Q(**{f"{prefix}status": "completed", f"{prefix}completed_on__gt": F(f"{prefix}due_on")})


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
        completed_on=getattr(milestone, "completed_on", None),
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
