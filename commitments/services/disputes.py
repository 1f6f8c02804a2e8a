"""The right of reply: a dispute's thread after it is opened (contributions.record_verification
opens it; a new status report closes it as superseded).

open → answered (the government's answer) → withdrawn (the organisation that disputed is
satisfied) or maintained (it is not; the mark stays). Each step is a message and a history
entry, in the transaction that changes the dispute's state. Who may take each step is the
permissions module's ("dispute:answer", "dispute:close"); the membership passed in is the one
it chose, checked again here.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ops import outbox

from .. import permissions
from ..cache import invalidate_commitment_pages
from ..models import Dispute, DisputeMessage, HistoryEntry, VerificationStatus
from .contributions import _check_acts_in_state, _lock, _refuse_if_stale


def _locked_dispute(dispute):
    return Dispute.objects.select_for_update().get(pk=dispute.pk)


def _step(dispute, locked, *, membership, kind, action, text, now):
    entry = HistoryEntry.objects.create(
        milestone=locked,
        action=action,
        summary=text,
        author=membership.user,
        organisation=membership.organisation,
        created_at=now,
        milestone_version=locked.version,
    )
    return DisputeMessage.objects.create(
        dispute=dispute,
        kind=kind,
        text=text,
        author=membership.user,
        organisation=membership.organisation,
        created_at=now,
        history_entry=entry,
    )


def _text(text, message):
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": message})
    return text


def answer_dispute(*, dispute, membership, text, now, base_version=None):
    """The government answers a dispute: an official of the commitment's lead or supporting
    institution. A maintained dispute may be answered again.

    `base_version` is the milestone version the person saw (the panel and the API send it):
    an older one raises StaleVersion, since a new report has closed the dispute meanwhile.
    """
    milestone = dispute.milestone
    _check_acts_in_state(membership, milestone)
    if membership.organisation_id not in permissions.answering_organisation_ids(
        milestone.commitment
    ):
        raise PermissionDenied
    text = _text(text, _("Write the government's answer."))
    with transaction.atomic():
        locked = _lock(milestone)
        _refuse_if_stale(locked, base_version)
        dispute = _locked_dispute(dispute)
        if dispute.state not in (Dispute.State.OPEN, Dispute.State.MAINTAINED):
            raise ValidationError({"text": _("This dispute is not awaiting an answer.")})
        message = _step(
            dispute, locked, membership=membership, kind=DisputeMessage.Kind.ANSWER,
            action=HistoryEntry.Action.DISPUTE_ANSWERED, text=text, now=now,
        )  # fmt: skip
        dispute.state = Dispute.State.ANSWERED
        dispute.answered_at = now
        dispute.save(update_fields=["state", "answered_at"])
        outbox.enqueue("alerts.notify_dispute", dispute.pk, "answered")
        invalidate_commitment_pages(locked.commitment_id)
    return message


def close_dispute(*, dispute, membership, outcome, text, now, base_version=None):
    """The organisation that disputed replies to the answer: it withdraws the dispute (it is
    satisfied; the status is no longer marked disputed) or maintains it (the mark stays).
    `base_version` as for `answer_dispute`."""
    milestone = dispute.milestone
    _check_acts_in_state(membership, milestone)
    if membership.organisation_id != dispute.organisation_id:
        raise PermissionDenied
    if outcome not in (Dispute.State.WITHDRAWN, Dispute.State.MAINTAINED):
        raise ValidationError({"outcome": _("Choose to withdraw or maintain the dispute.")})
    withdrawn = outcome == Dispute.State.WITHDRAWN
    if withdrawn:
        text = (text or "").strip()
    else:
        text = _text(text, _("Say why the answer does not settle the dispute."))
    with transaction.atomic():
        locked = _lock(milestone)
        _refuse_if_stale(locked, base_version)
        dispute = _locked_dispute(dispute)
        allowed = {Dispute.State.OPEN, Dispute.State.ANSWERED}
        if not withdrawn:
            # Maintaining replies to an answer; withdrawing is possible at any time.
            allowed = {Dispute.State.ANSWERED}
        if dispute.state not in allowed:
            raise ValidationError({"outcome": _("This dispute cannot take that step now.")})
        message = _step(
            dispute, locked, membership=membership,
            kind=DisputeMessage.Kind.WITHDRAWAL if withdrawn else DisputeMessage.Kind.REJOINDER,
            action=(
                HistoryEntry.Action.DISPUTE_WITHDRAWN
                if withdrawn
                else HistoryEntry.Action.DISPUTE_MAINTAINED
            ),
            text=text, now=now,
        )  # fmt: skip
        dispute.state = outcome
        if withdrawn:
            dispute.closed_at = now
            # Withdrawn is not verified: the status is back to awaiting a verdict.
            locked.verification_status = VerificationStatus.UNVERIFIED
            locked.save(update_fields=["verification_status"])
        dispute.save(update_fields=["state", "closed_at"])
        outbox.enqueue("alerts.notify_dispute", dispute.pk, outcome)
        invalidate_commitment_pages(locked.commitment_id)
    return message
