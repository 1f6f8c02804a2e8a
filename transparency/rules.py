"""The rules of information requests, in one place: which milestones a request fits, and where
a filed request stands against the legal answer deadline on a given day.

The commitment page, the API and the panel all ask here; nothing reads the clock (`today` is
passed in).
"""

import dataclasses
import datetime as dt
import json

from django.conf import settings
from django.db.models import (
    Aggregate,
    F,
    Func,
    OuterRef,
    Prefetch,
    Subquery,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.models import Evidence, Light
from states.models import Organisation

from . import business_days
from .models import InformationRequest


def deadline_business_days():
    return settings.INFORMATION_REQUEST_DEADLINE_BUSINESS_DAYS


def government_evidence(milestone):
    """The milestone's live (not retracted) evidence submitted by a government agency: what
    the government published as proof (commitments.services.contributions.is_government)."""
    return Evidence.objects.filter(
        milestone=milestone,
        retracted_at__isnull=True,
        organisation__kind=Organisation.Kind.GOVERNMENT,
    )


def refusal(milestone):
    """Why a request may not be drafted for `milestone` (a sentence in the active language),
    or None when it may: its light is red and the government gave no evidence of it."""
    if milestone.signal != Light.RED:
        return _(
            "An information request can be drafted only for a milestone in red (overdue or "
            "without activity); this one is not."
        )
    if government_evidence(milestone).exists():
        return _(
            "The government has already published evidence for this milestone: read it (or "
            "dispute the reported status) before asking for it through a request."
        )
    return None


def is_eligible(milestone):
    return refusal(milestone) is None


@dataclasses.dataclass(frozen=True)
class Standing:
    """Where a filed request stands on `today`."""

    filed_on: dt.date
    answered_on: dt.date | None
    # The legal deadline in business days: the ordinary term, plus the extension's when one
    # was notified within it.
    deadline_days: int
    # Business days counted from the day after filing (a request filed on a day off counts
    # as filed on the next business day), up to `end`.
    elapsed: int
    deadline_on: dt.date
    # The day the count stops: the answer, the withdrawal, or today.
    end: dt.date
    # The day an extension was notified (None: none recorded), and whether it counts: notified
    # on or before the ordinary deadline's last day (a late one does not extend it).
    extended_on: dt.date | None = None
    extension_counts: bool = False
    # The day the organisation withdrew it (None: it did not): the count stops there.
    withdrawn_on: dt.date | None = None

    @property
    def answered(self):
        return self.answered_on is not None

    @property
    def withdrawn(self):
        return self.withdrawn_on is not None

    @property
    def closed(self):
        return self.answered or self.withdrawn

    @property
    def overdue(self):
        """Unanswered past the deadline's last day (up to its withdrawal, if withdrawn), or
        answered after it. By date: an answer or a withdrawal on the day off after the last day
        is late, though no business day was added."""
        return self.end > self.deadline_on

    @property
    def overdue_by(self):
        """Business days past the deadline; at least 1 when overdue (a day off after the last
        day counts as the next business day, as a notice given on it does)."""
        if not self.overdue:
            return 0
        return max(1, self.elapsed - self.deadline_days)


def extension_business_days():
    return settings.INFORMATION_REQUEST_EXTENSION_BUSINESS_DAYS


def standing(request, *, today):
    """The Standing of a filed request (None for a draft)."""
    if request.filed_on is None:
        return None
    extra = business_days.extra_non_working_days()
    # Received on the day filed, or on the next business day when filed on a day off; the
    # term runs from the business day after it ("a partir del día siguiente").
    received = business_days.next_business_day(request.filed_on, extra)
    end = request.answered_on or request.withdrawn_on or today
    days = deadline_business_days()
    ordinary_end = business_days.add_business_days(received, days, extra)
    extended_on = request.extended_on
    counts = extended_on is not None and extended_on <= ordinary_end
    if counts:
        days += extension_business_days()
    elapsed = business_days.business_days_between(received, end, extra)
    return Standing(
        filed_on=request.filed_on,
        answered_on=request.answered_on,
        deadline_days=days,
        elapsed=elapsed,
        deadline_on=business_days.add_business_days(received, days, extra),
        end=end,
        extended_on=extended_on,
        extension_counts=counts,
        withdrawn_on=request.withdrawn_on,
    )


def _date(value):
    return formats.date_format(value, "DATE_FORMAT")


def _extension(s):
    """The clause on the extension, or "": it names the day it was notified and, when it
    came after the ordinary deadline, that it does not count."""
    if s.extended_on is None:
        return ""
    if s.extension_counts:
        return _("deadline extension notified on %(date)s") % {"date": _date(s.extended_on)}
    return _(
        "an extension notified on %(date)s, after the ordinary deadline had passed, so it does "
        "not extend it"
    ) % {"date": _date(s.extended_on)}


def _closed(s, filed):
    """The line of a request answered or withdrawn (without its final stop), or None."""
    if s.answered:
        if s.overdue:
            return ngettext(
                "%(filed)s: answered on %(date)s, %(days)d business day after the legal deadline",
                "%(filed)s: answered on %(date)s, %(days)d business days after the legal deadline",
                s.overdue_by,
            ) % {"filed": filed, "date": _date(s.answered_on), "days": s.overdue_by}
        return _("%(filed)s: answered on %(date)s") % {"filed": filed, "date": _date(s.answered_on)}
    if s.withdrawn:
        if s.overdue:
            return ngettext(
                "%(filed)s: the organisation withdrew it on %(date)s, %(days)d business day "
                "after the legal deadline passed without an answer",
                "%(filed)s: the organisation withdrew it on %(date)s, %(days)d business days "
                "after the legal deadline passed without an answer",
                s.overdue_by,
            ) % {"filed": filed, "date": _date(s.withdrawn_on), "days": s.overdue_by}
        return _(
            "%(filed)s: the organisation withdrew it on %(date)s, within the legal deadline"
        ) % {"filed": filed, "date": _date(s.withdrawn_on)}
    return None


def public_line(request, *, today):
    """The sentence the commitment page shows for a filed request, in the active language."""
    s = standing(request, today=today)
    if s is None:
        return ""
    filed = _("Information request filed on %(date)s, folio %(folio)s") % {
        "date": _date(s.filed_on),
        "folio": request.folio,
    }
    extension = _extension(s)
    closed = _closed(s, filed)
    if closed:
        return f"{closed} ({extension})." if extension else f"{closed}."
    waiting = ngettext(
        "no answer, %(days)d business day",
        "no answer, %(days)d business days",
        s.elapsed,
    ) % {"days": s.elapsed}
    parts = [waiting, extension] if extension else [waiting]
    if s.overdue:
        parts.append(
            ngettext(
                "the legal deadline of %(deadline)d business days passed %(late)d business day ago",
                "the legal deadline of %(deadline)d business days passed %(late)d business days "
                "ago",
                s.overdue_by,
            )
            % {"deadline": s.deadline_days, "late": s.overdue_by}
        )
    else:
        parts.append(_("legal deadline: %(date)s") % {"date": _date(s.deadline_on)})
    return f"{filed} ({'; '.join(parts)})."


ORDER = ("filed_on", "pk")


@dataclasses.dataclass(frozen=True)
class FiledRequest:
    """What the public reads of a filed request (standing and public_line take it too)."""

    pk: int
    folio: str
    filed_on: dt.date
    answered_on: dt.date | None
    answer_url: str
    extended_on: dt.date | None = None
    withdrawn_on: dt.date | None = None

    @property
    def is_answered(self):
        return self.answered_on is not None


class _JsonArray(Aggregate):
    """The rows' JSON objects as one JSON array: SQLite's json_group_array, PostgreSQL's
    jsonb_agg (jsonb: Django reads it back as JSON text on either driver)."""

    function = "JSON_GROUP_ARRAY"
    # Text, decoded in filed_requests_of: a JSONField here would make Django probe SQLite's
    # JSON support on the first page of each connection, an extra query.
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra)


class _JsonObject(Func):
    """A JSON object of the named fields (Django's JSONObject would probe SQLite's JSON
    support on each connection's first page, an extra query)."""

    function = "JSON_OBJECT"
    output_field = TextField()

    def __init__(self, *names):
        pairs = [part for name in names for part in (Value(name), F(name))]
        super().__init__(*pairs)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="JSONB_BUILD_OBJECT", **extra)


def with_filed(milestones):
    """`milestones` (a queryset) annotated with their filed requests, in the same query:
    what filed_requests_of reads on the commitment page."""
    rows = (
        InformationRequest.objects.filter(milestone=OuterRef("pk"), filed_on__isnull=False)
        .order_by()
        .values("milestone")
        .annotate(
            rows=_JsonArray(
                _JsonObject(
                    "id",
                    "folio",
                    "filed_on",
                    "answered_on",
                    "answer_url",
                    "extended_on",
                    "withdrawn_on",
                )
            )
        )
        .values("rows")
    )
    return milestones.annotate(filed_information_requests_json=Subquery(rows))


def _from_json(row):
    answered = row.get("answered_on")
    extended, withdrawn = row.get("extended_on"), row.get("withdrawn_on")
    return FiledRequest(
        pk=row["id"],
        folio=row["folio"],
        filed_on=dt.date.fromisoformat(row["filed_on"]),
        answered_on=dt.date.fromisoformat(answered) if answered else None,
        answer_url=row.get("answer_url") or "",
        extended_on=dt.date.fromisoformat(extended) if extended else None,
        withdrawn_on=dt.date.fromisoformat(withdrawn) if withdrawn else None,
    )


def filed_requests_of(milestone):
    """The milestone's filed requests, oldest first: from `with_filed`'s annotation or a
    prefetch (`prefetch_filed`) when there is one, else from the database."""
    if hasattr(milestone, "filed_information_requests_json"):
        rows = milestone.filed_information_requests_json or []
        if isinstance(rows, str):  # a driver that hands JSON back as text
            rows = json.loads(rows)
        return sorted((_from_json(r) for r in rows), key=lambda r: (r.filed_on, r.pk))
    prefetched = getattr(milestone, "filed_information_requests", None)
    if prefetched is not None:
        return prefetched
    return list(milestone.information_requests.filter(filed_on__isnull=False).order_by(*ORDER))


def prefetch_filed(milestones):
    """One query for the filed requests of all `milestones` (a list)."""
    prefetch_related_objects(
        milestones,
        Prefetch(
            "information_requests",
            queryset=InformationRequest.objects.filter(filed_on__isnull=False).order_by(*ORDER),
            to_attr="filed_information_requests",
        ),
    )


def public_entries(milestone, *, today):
    """What the public sees of the milestone's filed requests: each one's sentence, its
    standing and the link to its answer."""
    return [
        {
            "line": public_line(r, today=today),
            "standing": standing(r, today=today),
            "answer_url": r.answer_url if r.is_answered else "",
            "folio": r.folio,
        }
        for r in filed_requests_of(milestone)
    ]
