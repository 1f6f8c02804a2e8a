"""The suite's time. The demo is loaded as of 09:00 today (Mexico City), the one reading of
the wall clock in the suite: pages and panel views act at the current time, so the demo's
story (due soon, overdue, stale) must be told for today. Everything else takes `NOW`.

`day()` turns a date of the demo's moving plans, as written in demo/data.py for
REFERENCE_DAY, into the date it has in the loaded demo.
"""

import datetime as dt

from django.utils import timezone

from demo import data as demo

MX = timezone.get_default_timezone()
TODAY = timezone.localdate()
NOW = dt.datetime.combine(TODAY, dt.time(9, 0), tzinfo=MX)
DAYS = demo.moving_days(NOW)


def day(value):
    """A date (or datetime) of the demo's moving plans, as loaded today."""
    return demo.shift(value, DAYS)
