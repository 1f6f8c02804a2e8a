"""The dated log of the tracker's method: every change of the rules that compute the lights.

/como-medimos/ shows it; `services.apply_methodology` brings stored lights up to the latest
version once, at deploy (`manage.py apply_methodology`, run by `make run` and `make serve`
after migrating, and by the stale job if it was not), recording every light it flips as a
transition with the cause "methodology", never notified as news.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Change:
    version: int
    date: dt.date
    summary: str
    # The name of a function of services.methodology run before the lights are re-assessed.
    migrate: str = ""


CHANGES = [
    Change(
        1,
        dt.date(2026, 11, 1),
        _(
            "First method: red when overdue or without activity for longer than the state's "
            "threshold; yellow when due within 30 days or quiet for half the threshold."
        ),
    ),
    Change(
        2,
        dt.date(2026, 12, 1),
        _(
            "Only the government's work resets the activity clock: a civil-society "
            "organisation's evidence or verdict no longer does, nor does a report that changes "
            'nothing. Milestones without a due date are yellow, "undated". Completions after '
            'the due date are marked "completed late". Every light carries its reason.'
        ),
        migrate="recompute_government_activity",
    ),
]
VERSION = CHANGES[-1].version
