"""Contributors' actions: status reports, evidence and verifications, each in one transaction
that writes its history and turns the light (`light.refresh_light`)."""

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ops import outbox
from states.models import Organisation

from .. import rules, uploads
from ..cache import invalidate_commitment_pages
from ..models import (
    Dispute,
    DisputeMessage,
    Evidence,
    HistoryEntry,
    Milestone,
    StatusUpdate,
    Transition,
    Verification,
    VerificationStatus,
    evidence_upload_to,
)
from .light import refresh_light
from .link_archive import queue_first_archive

# Contributor actions. Each takes the membership the person acts through (the permissions
# module chooses it), writes its history entry in the same transaction, and turns the traffic
# light at once. Rules broken raise ValidationError (messages for the user) or StaleVersion.


class StaleVersion(Exception):
    """The change was based on an older version of the milestone: nothing was written."""

    def __init__(self, milestone, newer):
        super().__init__(f"milestone {milestone.pk} is at version {milestone.version}")
        self.milestone = milestone
        # The changes made since the version the person saw, newest last.
        self.newer = newer


def _check_acts_in_state(membership, milestone):
    # The permissions module already chose this membership; a caller that skipped it must
    # not be able to write across states.
    if membership.state_id != milestone.commitment.action_plan.state_id:
        raise PermissionDenied


def _lock(milestone):
    """The milestone re-read under a row lock, so concurrent actions take turns."""
    return (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("commitment__action_plan__state")
        .get(pk=milestone.pk)
    )


def _refuse_if_stale(locked, base_version):
    if base_version is not None and locked.version != base_version:
        newer = list(
            HistoryEntry.objects.filter(milestone=locked, milestone_version__gt=base_version)
            .filter(action=HistoryEntry.Action.STATUS_REPORTED)
            .select_related("author", "organisation", "status_update")
            .order_by("created_at", "id")
        )
        raise StaleVersion(locked, newer)


def is_government(organisation):
    return organisation.kind == Organisation.Kind.GOVERNMENT


def _active_dispute(milestone):
    return (
        Dispute.objects.select_for_update()
        .filter(milestone=milestone, state__in=Dispute.ACTIVE)
        .first()
    )


def _supersede_dispute(locked, *, membership, now):
    """A new status report by the government closes the dispute of the previous one."""
    dispute = _active_dispute(locked)
    if dispute is None:
        return None
    dispute.state = Dispute.State.SUPERSEDED
    dispute.closed_at = now
    dispute.save(update_fields=["state", "closed_at"])
    entry = HistoryEntry.objects.create(
        milestone=locked,
        action=HistoryEntry.Action.DISPUTE_SUPERSEDED,
        author=membership.user,
        organisation=membership.organisation,
        created_at=now,
        milestone_version=locked.version,
    )
    DisputeMessage.objects.create(
        dispute=dispute,
        kind=DisputeMessage.Kind.SUPERSEDED,
        author=membership.user,
        organisation=membership.organisation,
        created_at=now,
        history_entry=entry,
    )
    return dispute


def _live_evidence(milestone):
    return Evidence.objects.filter(milestone=milestone, retracted_at__isnull=True)


def report_status(
    *,
    milestone,
    membership,
    base_version,
    status,
    progress,
    started_on=None,
    completed_on=None,
    note="",
    now,
):
    """An official reports a milestone's status, progress and actual dates.

    A report that changes none of them ("sin cambios") is recorded as a check of the
    milestone (rules.resets_stale_clock says why it does not reset the clock).
    """
    _check_acts_in_state(membership, milestone)
    today = timezone.localdate(now)
    explicit_end = completed_on is not None
    errors = {}
    if status == Milestone.Status.COMPLETED:
        progress = 100
        completed_on = completed_on or today
    else:
        if completed_on:
            errors["completed_on"] = _("Only a completed milestone has a completion date.")
        if progress == 100 and status != Milestone.Status.COMPLETED:
            errors["progress"] = _("At 100 % the milestone is completed: choose that status.")
    if status == Milestone.Status.NOT_STARTED and progress:
        errors["progress"] = _("A milestone that has not started has no progress.")
    if not 0 <= progress <= 100:
        errors["progress"] = _("Progress goes from 0 to 100 %.")
    if started_on and started_on > today:
        errors["started_on"] = _("The actual start date cannot be in the future.")
    if completed_on and completed_on > today:
        errors["completed_on"] = _("The completion date cannot be in the future.")
    if started_on and completed_on and completed_on < started_on:
        errors["completed_on"] = _("The milestone cannot end before it started.")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = _lock(milestone)
        _refuse_if_stale(locked, base_version)
        if status == Milestone.Status.COMPLETED and locked.status == status and not explicit_end:
            # Still completed, on the day already reported.
            completed_on = locked.completed_on
        if status == Milestone.Status.COMPLETED and not _live_evidence(locked).exists():
            raise ValidationError(
                {
                    "status": _(
                        "A milestone can be marked completed only with at least one piece of "
                        "evidence: add it first."
                    )
                }
            )
        before = (locked.status, locked.progress, locked.started_on, locked.completed_on)
        changes_something = before != (status, progress, started_on, completed_on)
        # A report that changes nothing is a check: recorded and shown, but it is not a new
        # version (a verdict on the status still holds), and it does not reset the clock.
        version = locked.version + 1 if changes_something else locked.version
        update = StatusUpdate.objects.create(
            milestone=locked,
            old_status=locked.status,
            new_status=status,
            old_progress=locked.progress,
            new_progress=progress,
            old_due_on=locked.due_on,
            new_due_on=locked.due_on,
            new_started_on=started_on,
            new_completed_on=completed_on,
            version=version,
            note=note,
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
        )
        if changes_something:
            locked.status = status
            locked.progress = progress
            locked.started_on = started_on
            locked.completed_on = completed_on if status == Milestone.Status.COMPLETED else None
            locked.version = version
            fields = ["status", "progress", "started_on", "completed_on", "version"]
            if rules.resets_stale_clock(
                by_government=is_government(membership.organisation), changes_something=True
            ):
                locked.last_activity_at = now
                fields.append("last_activity_at")
            if locked.verification_status != VerificationStatus.UNVERIFIED:
                # A verdict judged the previous report; the new one awaits its own.
                locked.verification_status = VerificationStatus.UNVERIFIED
                fields.append("verification_status")
            locked.save(update_fields=fields)
        HistoryEntry.objects.create(
            milestone=locked,
            action=(
                HistoryEntry.Action.STATUS_REPORTED
                if changes_something
                else HistoryEntry.Action.CHECKED
            ),
            summary=note,
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
            milestone_version=locked.version,
            status_update=update,
        )
        if changes_something:
            _supersede_dispute(locked, membership=membership, now=now)
            refresh_light(
                locked, now=now, cause=Transition.Cause.STATUS_UPDATE, actor=membership.user
            )
        else:
            invalidate_commitment_pages(locked.commitment_id)
    return update


def _record_evidence(evidence, *, author, organisation, now):
    milestone = _lock(evidence.milestone)
    evidence.milestone = milestone
    evidence.full_clean(exclude=["file", "milestone", "organisation", "submitted_by"])
    evidence.save()
    if rules.resets_stale_clock(by_government=is_government(organisation), changes_something=True):
        milestone.last_activity_at = now
        milestone.save(update_fields=["last_activity_at"])
    HistoryEntry.objects.create(
        milestone=milestone,
        action=HistoryEntry.Action.EVIDENCE_ADDED,
        summary=evidence.title,
        author=author,
        organisation=organisation,
        created_at=now,
        milestone_version=milestone.version,
        evidence=evidence,
    )
    refresh_light(milestone, now=now, cause=Transition.Cause.EVIDENCE, actor=author)
    # A link is archived by the worker once this commits (services.link_archive).
    queue_first_archive(evidence)
    return evidence


def record_staff_evidence(*, evidence, staff_user, now):
    """Evidence a staff member adds in the admin, on behalf of the organisation it names.

    The admin form has checked the file (type from its content, size, SHA-256) or the link;
    this writes it with the same history entry and light as the panel's evidence, naming the
    staff member as its author.
    """
    evidence.submitted_by = evidence.submitted_by or staff_user
    evidence.submitted_at = now
    with transaction.atomic():
        return _record_evidence(
            evidence, author=staff_user, organisation=evidence.organisation, now=now
        )


def add_link_evidence(*, milestone, membership, url, title, description="", now):
    """Evidence that is a public web page: only http and https addresses."""
    _check_acts_in_state(membership, milestone)
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError({"url": _("Only http:// and https:// links are accepted.")})
    if Evidence.objects.filter(milestone=milestone, url=url).exists():
        raise ValidationError({"url": _("This link is already evidence of this milestone.")})
    evidence = Evidence(
        milestone=milestone,
        kind=Evidence.Kind.LINK,
        title=title,
        description=description,
        url=url,
        submitted_by=membership.user,
        organisation=membership.organisation,
        submitted_at=now,
    )
    with transaction.atomic():
        return _record_evidence(
            evidence, author=membership.user, organisation=membership.organisation, now=now
        )


def oversize_error(size=None):
    """The refusal of a file over EVIDENCE_MAX_BYTES (its size, when it was read to the end)."""
    limit = filesizeformat(settings.EVIDENCE_MAX_BYTES)
    if size is None:
        message = _(
            "The file is larger than %(limit)s, the largest accepted. Reduce it or publish it "
            "on a website and add the link."
        ) % {"limit": limit}
    else:
        message = _(
            "The file is %(size)s; the largest accepted is %(limit)s. Reduce it or publish it "
            "on a website and add the link."
        ) % {"size": filesizeformat(size), "limit": limit}
    return ValidationError({"file": message})


def check_upload(upload):
    """The upload's FileType, or ValidationError: too large, or of a type not accepted."""
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise oversize_error(upload.size)
    try:
        return uploads.detect_type(upload)
    except uploads.RefusedFile as refused:
        raise ValidationError({"file": refused.message}) from None


def add_file_evidence(*, milestone, membership, upload, title, description="", now):
    """Evidence that is a file: checked from its content, hashed, then streamed to storage.

    Nothing is stored for a refused file. A stored file whose database row fails is removed.
    """
    _check_acts_in_state(membership, milestone)
    file_type = check_upload(upload)
    sha256, size = uploads.digest(upload)
    # The detected type, not the browser's, for storages that keep one (S3 object metadata).
    content = File(upload, name=upload.name)
    content.content_type = file_type.content_type
    name = default_storage.save(evidence_upload_to(None, upload.name), content)
    try:
        evidence = Evidence(
            milestone=milestone,
            kind=file_type.evidence_kind,
            title=title,
            description=description,
            original_filename=os.path.basename(upload.name or "")[:255],
            sha256=sha256,
            content_type=file_type.content_type,
            size=size,
            submitted_by=membership.user,
            organisation=membership.organisation,
            submitted_at=now,
        )
        evidence.file.name = name
        with transaction.atomic():
            return _record_evidence(
                evidence, author=membership.user, organisation=membership.organisation, now=now
            )
    except BaseException:
        default_storage.delete(name)
        raise


def retract_evidence(*, evidence, membership, reason, now):
    """Withdraw a piece of evidence: it stays listed, struck through, with the reason."""
    milestone = evidence.milestone
    _check_acts_in_state(membership, milestone)
    if membership.organisation_id != evidence.organisation_id:
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the evidence is retracted.")})
    with transaction.atomic():
        locked = _lock(milestone)
        evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if evidence.is_retracted:
            raise ValidationError({"reason": _("This evidence was already retracted.")})
        others = _live_evidence(locked).exclude(pk=evidence.pk)
        if locked.status == Milestone.Status.COMPLETED and not others.exists():
            raise ValidationError(
                {
                    "reason": _(
                        "This is the only evidence of a completed milestone. Add the right "
                        "evidence first, then retract this one."
                    )
                }
            )
        evidence.retracted_at = now
        evidence.retracted_by = membership.user
        evidence.retraction_reason = reason
        evidence.save(update_fields=["retracted_at", "retracted_by", "retraction_reason"])
        HistoryEntry.objects.create(
            milestone=locked,
            action=HistoryEntry.Action.EVIDENCE_RETRACTED,
            summary=f"{evidence.title}: {reason}",
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
            milestone_version=locked.version,
            evidence=evidence,
        )
        refresh_light(locked, now=now, cause=Transition.Cause.EVIDENCE, actor=membership.user)
    return evidence


def record_verification(*, milestone, membership, base_version, result, reason="", now):
    """A civil-society organisation verifies or disputes the status the government reported."""
    _check_acts_in_state(membership, milestone)
    reason = (reason or "").strip()
    if result not in Verification.Result.values:
        raise ValidationError({"result": _("Choose verified or disputed.")})
    if result == Verification.Result.DISPUTED and not reason:
        raise ValidationError({"reason": _("Say why you dispute the reported status.")})
    with transaction.atomic():
        locked = _lock(milestone)
        _refuse_if_stale(locked, base_version)
        reported = (
            HistoryEntry.objects.filter(
                milestone=locked, action=HistoryEntry.Action.STATUS_REPORTED
            )
            .order_by("-created_at", "-id")
            .first()
        )
        # A status checked by the person who reported it is not a second opinion (someone may
        # hold both roles in a state).
        if reported is not None and reported.author_id == membership.user_id:
            raise ValidationError(
                {"result": _("You reported this status yourself: someone else must verify it.")}
            )
        dispute = _active_dispute(locked)
        disputed = result == Verification.Result.DISPUTED
        if disputed and dispute is not None:
            raise ValidationError(
                {
                    "result": _(
                        "This status is already disputed: follow the dispute's thread on the "
                        "milestone's page."
                    )
                }
            )
        verification = Verification.objects.create(
            milestone=locked,
            milestone_version=locked.version,
            status=locked.status,
            progress=locked.progress,
            result=result,
            reason=reason,
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
        )
        entry = HistoryEntry.objects.create(
            milestone=locked,
            action=HistoryEntry.Action.DISPUTED if disputed else HistoryEntry.Action.VERIFIED,
            summary=reason,
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
            milestone_version=locked.version,
            verification=verification,
        )
        if disputed:
            dispute = Dispute.objects.create(
                milestone=locked,
                verification=verification,
                milestone_version=locked.version,
                organisation=membership.organisation,
                state=Dispute.State.OPEN,
                opened_at=now,
            )
            DisputeMessage.objects.create(
                dispute=dispute,
                kind=DisputeMessage.Kind.REASON,
                text=reason,
                author=membership.user,
                organisation=membership.organisation,
                created_at=now,
                history_entry=entry,
            )
        # While a dispute is in progress the status stays disputed, whoever verifies it.
        status = VerificationStatus.DISPUTED if dispute else VerificationStatus.VERIFIED
        if locked.verification_status != status:
            locked.verification_status = status
            locked.save(update_fields=["verification_status"])
        if disputed:
            # By name: alerts depends on commitments, not the reverse.
            outbox.enqueue("alerts.notify_dispute", dispute.pk, "opened")
        invalidate_commitment_pages(locked.commitment_id)
    return verification
