"""Writes. Every change to milestones, their evidence and their traffic light goes through here."""

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ops import outbox

from . import rules, rules_sql, uploads
from .cache import invalidate_public_pages
from .models import (
    Evidence,
    HistoryEntry,
    Milestone,
    StatusUpdate,
    Transition,
    Verification,
    evidence_upload_to,
)


def _steps_for(milestone, assessment, *, now, cause):
    """The light change a fresh assessment implies, as (from, to, when it really happened).

    One change of the light the tracker shows, whatever the rules say happened in between: a
    milestone last shown green that the clock finds past its red onset (a plan loaded late, or
    the job stopped for weeks) goes from green to red at that onset. It was never shown yellow,
    and its followers hear that it turned red, not also that it had been at risk.
    """
    old, new = milestone.signal, assessment.signal
    if old == new:
        return []
    # A person's action changes the light when it happens; the clock, at the computed onset.
    return [(old, new, assessment.since if cause == Transition.Cause.CLOCK else now)]


def _transitions_for(milestone, assessment, *, now, cause, actor=None):
    return [
        Transition(
            milestone_id=milestone.pk,
            old_signal=a,
            new_signal=b,
            happened_at=at,
            recorded_at=now,
            cause=cause,
            actor=actor,
        )
        for a, b, at in _steps_for(milestone, assessment, now=now, cause=cause)
    ]


@dataclass
class FlagResult:
    checked: int = 0
    changed: Counter = field(default_factory=Counter)
    transitions: list = field(default_factory=list)
    batches: int = 0


class _Row(NamedTuple):
    """The fields of a milestone the rules read, fetched as a tuple: no model instances."""

    pk: int
    status: str
    starts_on: dt.date
    due_on: dt.date
    last_activity_at: dt.datetime
    signal: str
    signal_since: dt.datetime
    stale_after_days: int


_ROW_FIELDS = [
    "id",
    "status",
    "starts_on",
    "due_on",
    "last_activity_at",
    "signal",
    "signal_since",
    "commitment__action_plan__state__stale_after_days",
]


# Table names come from our models; every value is a bound parameter.
_UPDATE_BATCH = """
    UPDATE {table} AS m
    SET signal = v.signal, signal_since = v.signal_since, next_check_at = v.next_check_at
    FROM unnest(%b::bigint[], %b::varchar[], %b::timestamptz[], %b::timestamptz[])
        AS v(id, signal, signal_since, next_check_at)
    WHERE m.id = v.id
"""
_INSERT_TRANSITIONS = """
    INSERT INTO {table} (milestone_id, old_signal, new_signal, happened_at, recorded_at, cause)
    SELECT t.milestone_id, t.old_signal, t.new_signal, t.happened_at, %b, %b
    FROM unnest(%b::bigint[], %b::varchar[], %b::varchar[], %b::timestamptz[])
        AS t(milestone_id, old_signal, new_signal, happened_at)
"""


def _write_batch(updates, steps, *, now):
    """Writes a batch's new lights and its transitions in two statements, whatever its size.

    On PostgreSQL, UPDATE ... FROM unnest() and INSERT ... SELECT FROM unnest() send each
    column as one array; Django's bulk_update would build a CASE of one branch per row, which
    PostgreSQL evaluates row by row, quadratic in the batch size.
    """
    if connection.vendor != "postgresql":
        Milestone.objects.bulk_update(
            [
                Milestone(pk=pk, signal=signal, signal_since=since, next_check_at=next_check)
                for pk, signal, since, next_check in updates
            ],
            ["signal", "signal_since", "next_check_at"],
        )
        Transition.objects.bulk_create(
            Transition(
                milestone_id=pk,
                old_signal=a,
                new_signal=b,
                happened_at=at,
                recorded_at=now,
                cause=Transition.Cause.CLOCK,
            )
            for pk, a, b, at in steps
        )
        return
    ids, signals, sinces, next_checks = (list(column) for column in zip(*updates, strict=True))
    import psycopg  # the PostgreSQL driver, present whenever this branch runs

    connection.ensure_connection()
    # A server-side binding cursor on Django's connection (same transaction) sends the arrays
    # in binary (%b): psycopg dumps a list of datetimes some twenty times faster than as text.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            _UPDATE_BATCH.format(table=Milestone._meta.db_table),  # nosec B608
            [ids, signals, sinces, next_checks],
        )
        if steps:
            pks, olds, news, ats = (list(column) for column in zip(*steps, strict=True))
            cursor.execute(
                _INSERT_TRANSITIONS.format(table=Transition._meta.db_table),  # nosec B608
                [now, Transition.Cause.CLOCK, pks, olds, news, ats],
            )


class _Batch(NamedTuple):
    checked: int
    last_id: int | None
    changed: Counter
    # Which transitions the batch wrote, as filter() arguments, for keep_transitions.
    transitions: dict


def _flag_batch_in_python(*, now, after, size, keep_transitions):
    """One batch with the rules of rules.py: one SELECT, one UPDATE, one INSERT."""
    clock = Transition.Cause.CLOCK
    batch = [
        _Row(*values)
        for values in Milestone.objects.filter(next_check_at__lte=now, id__gt=after)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("id")
        .values_list(*_ROW_FIELDS)[:size]
    ]
    if not batch:
        return _Batch(0, None, Counter(), {})
    updates, steps, changed = [], [], Counter()
    for milestone in batch:
        assessment = rules.assess_milestone(
            milestone, stale_after_days=milestone.stale_after_days, now=now
        )
        steps += [
            (milestone.pk, a, b, at)
            for a, b, at in _steps_for(milestone, assessment, now=now, cause=clock)
        ]
        signal, since = milestone.signal, milestone.signal_since
        if assessment.signal != signal:
            changed[(signal, assessment.signal)] += 1
            signal, since = assessment.signal, assessment.since
        updates.append((milestone.pk, signal, since, assessment.next_check_at))
    _write_batch(updates, steps, now=now)
    written = {"milestone_id__in": [m.pk for m in batch], "recorded_at": now, "cause": clock}
    return _Batch(len(batch), batch[-1].pk, changed, written)


def _flag_batch_in_database(*, now, after, size, keep_transitions):
    """One batch in one statement, with the rules of rules.py written in SQL (rules_sql)."""
    with connection.cursor() as cursor:
        cursor.execute(
            rules_sql.flag_batch_sql(),
            rules_sql.flag_batch_params(
                now=now, after=after, size=size, keep_transitions=keep_transitions
            ),
        )
        checked, last_id, olds, news, counts, transition_ids = cursor.fetchone()
    pairs = zip(olds or [], news or [], strict=True)
    changed = Counter(dict(zip(pairs, counts or [], strict=True)))
    return _Batch(checked, last_id, changed, {"pk__in": transition_ids or []})


def flag_stale_milestones(*, now, batch_size=10_000, keep_transitions=True, in_database=None):
    """Re-assess every milestone whose next check is due, in batches, and record light changes.

    Each batch locks its rows with SKIP LOCKED, so concurrent runs share the work and never
    assess the same milestone twice; each row's next check moves past `now`, so a second run
    finds nothing to do. Batches walk the ids upward: each one starts where the last ended
    instead of stepping again over the index entries of the rows already done (cost quadratic
    in the number of batches). A row skipped because another run holds it is that run's to do.

    On PostgreSQL (`in_database`, its default there) a batch is one statement that locks,
    assesses with the rules of rules.py written in SQL (`rules_sql`), updates the lights and
    writes the transitions. Otherwise a batch is one SELECT, the rules of rules.py in Python,
    one UPDATE and one INSERT. Either way, `keep_transitions` adds one SELECT of the batch's
    transitions when it wrote any.
    """
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    run_batch = _flag_batch_in_database if in_database else _flag_batch_in_python
    result = FlagResult()
    last_id = 0
    while True:
        with transaction.atomic():
            batch = run_batch(
                now=now, after=last_id, size=batch_size, keep_transitions=keep_transitions
            )
            if not batch.checked:
                return result
            last_id = batch.last_id
            result.checked += batch.checked
            result.batches += 1
            result.changed.update(batch.changed)
            if batch.changed:
                # Per batch, so a run that fails half-way still invalidates what it committed.
                invalidate_public_pages()
                if keep_transitions:
                    result.transitions += list(
                        Transition.objects.filter(**batch.transitions).order_by(
                            "milestone_id", "happened_at", "id"
                        )
                    )


def refresh_signal(milestone, *, now, cause, actor=None):
    """Re-assess one milestone after an action changed it; call inside the action's transaction.

    The new light takes effect at once and its transition is written in the same transaction,
    marked with the person who caused it so they are not notified of their own action.
    """
    stale_after_days = milestone.commitment.action_plan.state.stale_after_days
    milestone.stale_after_days = stale_after_days
    assessment = rules.assess_milestone(milestone, stale_after_days=stale_after_days, now=now)
    transitions = _transitions_for(milestone, assessment, now=now, cause=cause, actor=actor)
    if assessment.signal != milestone.signal:
        milestone.signal = assessment.signal
        milestone.signal_since = now
    milestone.next_check_at = assessment.next_check_at
    Milestone.objects.filter(pk=milestone.pk).update(
        signal=milestone.signal,
        signal_since=milestone.signal_since,
        next_check_at=milestone.next_check_at,
    )
    Transition.objects.bulk_create(transitions)
    if transitions:
        # Whoever follows the milestone hears of it within seconds rather than at the beat's
        # next check; by name, since alerts depends on commitments and not the reverse.
        outbox.enqueue_once("alerts.process_transitions")
    # The action that called this changed what the public pages show, light or not.
    invalidate_public_pages()
    return transitions


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
    """An official reports a milestone's status, progress and actual dates."""
    _check_acts_in_state(membership, milestone)
    today = timezone.localdate(now)
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
        if status == Milestone.Status.COMPLETED and not _live_evidence(locked).exists():
            raise ValidationError(
                {
                    "status": _(
                        "A milestone can be marked completed only with at least one piece of "
                        "evidence: add it first."
                    )
                }
            )
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
            version=locked.version + 1,
            note=note,
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
        )
        locked.status = status
        locked.progress = progress
        locked.started_on = started_on
        locked.completed_on = completed_on if status == Milestone.Status.COMPLETED else None
        locked.version += 1
        locked.last_activity_at = now
        locked.save(
            update_fields=[
                "status",
                "progress",
                "started_on",
                "completed_on",
                "version",
                "last_activity_at",
            ]
        )
        HistoryEntry.objects.create(
            milestone=locked,
            action=HistoryEntry.Action.STATUS_REPORTED,
            summary=note,
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
            milestone_version=locked.version,
            status_update=update,
        )
        refresh_signal(locked, now=now, cause=Transition.Cause.STATUS_UPDATE, actor=membership.user)
    return update


def _record_evidence(evidence, *, membership, now):
    milestone = _lock(evidence.milestone)
    evidence.milestone = milestone
    evidence.full_clean(exclude=["file", "milestone", "organisation", "submitted_by"])
    evidence.save()
    milestone.last_activity_at = now
    milestone.save(update_fields=["last_activity_at"])
    HistoryEntry.objects.create(
        milestone=milestone,
        action=HistoryEntry.Action.EVIDENCE_ADDED,
        summary=evidence.title,
        author=membership.user,
        organisation=membership.organisation,
        created_at=now,
        milestone_version=milestone.version,
        evidence=evidence,
    )
    refresh_signal(milestone, now=now, cause=Transition.Cause.EVIDENCE, actor=membership.user)
    return evidence


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
        return _record_evidence(evidence, membership=membership, now=now)


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
            return _record_evidence(evidence, membership=membership, now=now)
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
        refresh_signal(locked, now=now, cause=Transition.Cause.EVIDENCE, actor=membership.user)
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
        HistoryEntry.objects.create(
            milestone=locked,
            action=(
                HistoryEntry.Action.DISPUTED
                if result == Verification.Result.DISPUTED
                else HistoryEntry.Action.VERIFIED
            ),
            summary=reason,
            author=membership.user,
            organisation=membership.organisation,
            created_at=now,
            milestone_version=locked.version,
            verification=verification,
        )
        invalidate_public_pages()
    return verification
