"""Business days ("días hábiles") of Mexico, for the answer deadline of an information request.

A transparency law counts its terms in business days: not Saturdays, Sundays or official rest
days. The official rest days are those of the Ley Federal del Trabajo, article 74, computed for
any year here:

- 1 January; the first Monday of February (Constitution day); the third Monday of March
  (Benito Juárez's birthday); 1 May; 16 September; the third Monday of November (Revolution
  day); 25 December;
- 1 October of each year in which the federal executive changes: every six years from 2024
  (2024, 2030, 2036...).

Transparency bodies publish their own calendars, which add days (Holy Thursday and Friday,
2 November, winter holidays...): those go into the setting
`INFORMATION_REQUEST_NON_WORKING_DAYS`, a list of dates, read on each call.
"""

import datetime as dt
import functools

from django.conf import settings

# The first 1 October that is a rest day (a new federal executive takes office, art. 74 VI as
# reformed in 2014: the six-year term then began on 1 October 2024); then every six years.
FIRST_INAUGURATION_YEAR = 2024
TERM_YEARS = 6


def _nth_monday(year, month, n):
    first = dt.date(year, month, 1)
    offset = (0 - first.weekday()) % 7  # days to the first Monday
    return first + dt.timedelta(days=offset + 7 * (n - 1))


@functools.lru_cache(maxsize=256)
def official_rest_days(year):
    """The rest days of Ley Federal del Trabajo art. 74 in `year`, as a frozenset of dates."""
    days = {
        dt.date(year, 1, 1),
        _nth_monday(year, 2, 1),
        _nth_monday(year, 3, 3),
        dt.date(year, 5, 1),
        dt.date(year, 9, 16),
        _nth_monday(year, 11, 3),
        dt.date(year, 12, 25),
    }
    if year >= FIRST_INAUGURATION_YEAR and (year - FIRST_INAUGURATION_YEAR) % TERM_YEARS == 0:
        days.add(dt.date(year, 10, 1))
    return frozenset(days)


def extra_non_working_days():
    """The dates of the setting INFORMATION_REQUEST_NON_WORKING_DAYS (validated at start)."""
    return frozenset(getattr(settings, "INFORMATION_REQUEST_NON_WORKING_DAYS", ()))


def is_business_day(day, extra=None):
    extra = extra_non_working_days() if extra is None else extra
    return day.weekday() < 5 and day not in official_rest_days(day.year) and day not in extra


def next_business_day(day, extra=None):
    """`day` itself if it is a business day, else the first business day after it."""
    extra = extra_non_working_days() if extra is None else extra
    while not is_business_day(day, extra):
        day += dt.timedelta(days=1)
    return day


def business_days_between(start, end, extra=None):
    """How many business days fall after `start` up to and including `end` (0 if end <= start):
    a term counted "a partir del día siguiente" of `start`."""
    if end <= start:
        return 0
    extra = extra_non_working_days() if extra is None else extra
    # Whole weeks at once, then the days left one by one; rest days subtracted.
    total_days = (end - start).days
    weeks, rest = divmod(total_days, 7)
    count = weeks * 5
    day = start + dt.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    holidays = set(extra)
    for year in range(start.year, end.year + 1):
        holidays |= official_rest_days(year)
    count -= sum(1 for h in holidays if start < h <= end and h.weekday() < 5)
    return count


def add_business_days(start, n, extra=None):
    """The `n`th business day after `start` (n >= 1): the last day of a term of n business days
    counted from the day after `start`."""
    extra = extra_non_working_days() if extra is None else extra
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, extra):
            n -= 1
    return day
