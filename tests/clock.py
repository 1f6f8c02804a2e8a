"""The suite's time. The demo is loaded as of 09:00 today (Mexico City), the one reading of
the wall clock in the suite: pages and panel views act at the current time, so the demo's
story (due soon, overdue, stale) must be told for today. Everything else takes `NOW`.

A suite started before 09:00 (Mexico City) loads it as of a minute before it started (from
midnight on): what the pages and the panel stamp with the current time must come after the
demo, whatever the hour the suite runs at.

`day()` turns a date of the demo's moving plans, as written in demo/data.py for
REFERENCE_DAY, into the date it has in the loaded demo.
"""

import datetime as dt

from django.utils import timezone

from demo import data as demo

MX = timezone.get_default_timezone()
_STARTED = timezone.localtime()
TODAY = _STARTED.date()
NOW = max(
    dt.datetime.combine(TODAY, dt.time(0, 0), tzinfo=MX),
    min(
        dt.datetime.combine(TODAY, dt.time(9, 0), tzinfo=MX),
        _STARTED.replace(second=0, microsecond=0) - dt.timedelta(minutes=1),
    ),
)
DAYS = demo.moving_days(NOW)


def day(value):
    """A date (or datetime) of the demo's moving plans, as loaded today."""
    return demo.shift(value, DAYS)
