"""Options shared by the tracker's commands."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def parse_now(value):
    """`--now`: an aware ISO datetime, or an ISO date (noon that day in the site's zone)."""
    day = parse_date(value) if len(value) == 10 else None
    if day is not None:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise CommandError(
            f"--now {value!r}: give a date (2026-11-29) or a datetime with its offset "
            "(2026-11-29T09:00:00-06:00)."
        )
    return moment


def add_now_argument(parser):
    parser.add_argument(
        "--now",
        type=parse_now,
        default=None,
        help="The moment to assess at (default: the current time).",
    )
