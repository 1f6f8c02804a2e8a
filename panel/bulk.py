"""Many milestones in one submit: each row validated by the same form as the single write,
allowed by the same permission, written by the same service in its own transaction, so one
row's conflict or error leaves the others written and itself untouched.

The panel's bulk screen and the write API's bulk endpoints both call `apply_rows`, so a row
gets the same answer through either door.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from commitments import permissions, services
from commitments.models import Milestone

from .forms import StatusForm, VerificationForm

# What a row may come to; the HTTP status each one stands for in the API's per-item results.
APPLIED, CHECKED, CONFLICT, INVALID, FORBIDDEN, NOT_FOUND = (
    "applied", "checked", "conflict", "invalid", "forbidden", "not_found",
)  # fmt: skip
ITEM_STATUS = {
    APPLIED: 200,
    CHECKED: 200,
    CONFLICT: 409,
    INVALID: 400,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
}
MAX_ROWS = 200


@dataclass
class Kind:
    """One kind of bulk write: its permission, form and service."""

    permission: str
    form: type
    service: object


STATUS = Kind("milestone.status:write", StatusForm, services.report_status)
VERIFICATION = Kind("milestone.verification:write", VerificationForm, services.record_verification)
KINDS = {"status": STATUS, "verification": VERIFICATION}


@dataclass
class RowResult:
    milestone_id: object
    outcome: str
    milestone: Milestone | None = None
    form: object = None
    errors: dict = field(default_factory=dict)
    # For a conflict: the milestone's version now and the reports made since the one sent.
    current_version: int | None = None
    newer: list = field(default_factory=list)

    @property
    def ok(self):
        return self.outcome in (APPLIED, CHECKED)

    @property
    def http_status(self):
        return ITEM_STATUS[self.outcome]


def milestones_by_id(ids):
    """The milestones of active states among `ids` (ints or not), in one query."""
    # Only what could be a key: a number from outside may be anything (2**80 included).
    wanted = {i for i in ids if type(i) is int and 0 < i < 2**63}
    found = Milestone.objects.filter(
        pk__in=wanted, commitment__action_plan__state__is_active=True
    ).select_related("commitment__action_plan__state")
    return {m.pk: m for m in found}


def apply_rows(user, kind, rows, *, now, prefixes=None):
    """Applies each (milestone id, data) of `rows` as `kind` and returns one RowResult each,
    in order. `data` is what the form reads (with `prefixes[i]`, the panel's field prefix)."""
    milestones = milestones_by_id([pk for pk, _data in rows])
    results = []
    for i, (pk, data) in enumerate(rows):
        prefix = prefixes[i] if prefixes else None
        milestone = milestones.get(pk)
        if milestone is None:
            results.append(RowResult(pk, NOT_FOUND, errors={"id": [_("No such milestone.")]}))
            continue
        form = kind.form(data, prefix=prefix)
        membership = permissions.membership_for(user, kind.permission, milestone)
        if membership is None:
            message = _("You may not do this on this milestone.")
            results.append(RowResult(pk, FORBIDDEN, milestone, form, errors={"id": [message]}))
            continue
        results.append(_apply(kind, form, milestone, membership, now=now))
    return results


def _apply(kind, form, milestone, membership, *, now):
    result = RowResult(milestone.pk, INVALID, milestone, form)
    if not form.is_valid():
        result.errors = _messages(form.errors.get_json_data())
        return result
    arguments = form.service_arguments()
    try:
        kind.service(milestone=milestone, membership=membership, now=now, **arguments)
    except services.StaleVersion as stale:
        result.outcome = CONFLICT
        result.current_version = stale.milestone.version
        result.newer = stale.newer
        result.errors = {
            "version": [_("The milestone changed since you opened it; this row was not saved.")]
        }
        return result
    except ValidationError as error:
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        result.errors = _messages(form.errors.get_json_data())
        return result
    milestone.refresh_from_db()
    result.milestone = milestone
    # A report that changed nothing is a check: the version stays (services.report_status).
    unchanged = kind is STATUS and milestone.version == arguments["base_version"]
    result.outcome = CHECKED if unchanged else APPLIED
    return result


def _messages(json_errors):
    return {name: [e["message"] for e in errors] for name, errors in json_errors.items()}
