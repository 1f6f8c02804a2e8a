"""The one range of dates the site accepts, in every form, the API and the importer.

A date far outside any action plan is a typo or an attack, never a plan: `0001-01-01` as a
completion date made the state page's timeline loop over two thousand years of months, and a
due date of `9999-12-31` made every page of its milestone fail (a date past the last one
Python counts). OGP itself began in 2011; 1990 leaves room for the earliest legal
antecedents a plan may cite, and 2100 for any plan's horizon.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _

EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)


def date_out_of_range(value):
    """The message explaining why `value` (a date) is refused, or None when it is in range."""
    if value is None or EARLIEST <= value <= LATEST:
        return None
    return _(
        "%(value)s is outside the dates accepted (%(earliest)s to %(latest)s): no action plan "
        "reaches that far, so it is most likely a typing error."
    ) % {
        "value": value.isoformat(),
        "earliest": formats.date_format(EARLIEST, "DATE_FORMAT"),
        "latest": formats.date_format(LATEST, "DATE_FORMAT"),
    }


def validate_date_in_range(value):
    """A form or model field validator: ValidationError for a date outside the range."""
    if isinstance(value, dt.datetime):
        value = value.date()
    message = date_out_of_range(value)
    if message:
        raise ValidationError(message, code="date_out_of_range")


class DatesInRangeAdmin:
    """For a ModelAdmin or an inline: every date (and date-time) field of its forms checks the
    range, as the panel, the API and the importer do."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.DateField):
            field.validators.append(validate_date_in_range)
        return field
