"""Links given as evidence, kept: each is fetched (ops.safe_fetch), its content stored with its
SHA-256 when new, and re-checked; a link that keeps failing is shown as broken, and its copy
is served from here.

Every check is a LinkArchive row (append-only). The evidence row carries what the pages read:
the copy shown (`archive`), when the link was last checked, its failed checks in a row, and
since when it counts as broken. A link counts as broken after FAILED_CHECKS_BEFORE_BROKEN
failed checks in a row, dated at the first of them: one failure may be the site's passing
outage, and the government's own link must not be branded broken for it. A failed check is
tried again after LINK_ARCHIVE_RETRY_HOURS rather than a week later, so a real breakage shows
within a day or so; a good check clears it.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q

from ops import outbox, safe_fetch

from .. import uploads
from ..cache import invalidate_commitment_pages
from ..models import Evidence, LinkArchive

logger = logging.getLogger(__name__)

FAILED_CHECKS_BEFORE_BROKEN = 2
ARCHIVE_TASK = "commitments.archive_link"
HTML_TYPES = ("text/html", "application/xhtml+xml")
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


def enabled():
    return settings.LINK_ARCHIVE_ENABLED


def queue_first_archive(evidence):
    """Asks the worker to archive a link just added, when the current transaction commits."""
    if evidence.url and enabled():
        outbox.enqueue(ARCHIVE_TASK, evidence.pk)


def _fetch(url):
    return safe_fetch.fetch(
        url,
        max_bytes=settings.LINK_ARCHIVE_MAX_BYTES,
        connect_timeout=settings.LINK_ARCHIVE_CONNECT_TIMEOUT,
        read_timeout=settings.LINK_ARCHIVE_READ_TIMEOUT,
        deadline=settings.LINK_ARCHIVE_DEADLINE,
        max_redirects=settings.LINK_ARCHIVE_MAX_REDIRECTS,
        allow_loopback=settings.LINK_ARCHIVE_ALLOW_PRIVATE_HOSTS,
        user_agent=settings.LINK_ARCHIVE_USER_AGENT,
    )


def served_type(body, declared):
    """The content type a copy is served as, recognised from its content (a binary file).

    A file of an evidence type (uploads.detect_type: PDF, images, office documents) is that
    type; a web page (told by its markup, or declared as HTML) is text/html, served only in a
    sandbox; other text is text/plain (text/csv when declared so); anything else is opaque
    bytes, downloaded.
    """
    body.seek(0)
    head = body.read(uploads.HEAD_BYTES)
    try:
        file_type = uploads.detect_type(File(body, name="copy"))
    except Exception:  # noqa: BLE001 (not recognised is an answer, not an error)
        file_type = None
    finally:
        body.seek(0)
    if file_type is not None and file_type is not uploads.CSV:
        return file_type.content_type
    declared = declared.split(";", 1)[0].strip().lower()
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(HTML_MARKERS) or declared in HTML_TYPES:
        return "text/html"
    if file_type is uploads.CSV:
        return "text/csv" if declared == "text/csv" else "text/plain"
    return "application/octet-stream"


@dataclass
class CheckResult:
    check: LinkArchive | None
    # Whether what the public page shows changed (a new copy, broken or mended).
    changed_page: bool = False


def check_link(*, evidence, now):
    """Fetches one link, records the check at `now`, and updates the evidence; CheckResult.

    Nothing is recorded for evidence that is not a link, is retracted, or whose row already
    holds a check at `now` or later (a task sent twice).
    """
    if not evidence.url or evidence.is_retracted:
        return CheckResult(None)
    try:
        fetched = _fetch(evidence.url)
    except safe_fetch.FetchError as error:
        return _record_failure(evidence.pk, error, now=now)
    with fetched:
        return _record_success(evidence.pk, fetched, now=now)


def archive_new_link(*, evidence_id, now):
    """The first archive of a link just added (the task queued by queue_first_archive).

    Idempotent: a link checked already (the task sent twice, or the weekly check first) is
    left alone.
    """
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None or evidence.link_checked_at is not None:
        return CheckResult(None)
    return check_link(evidence=evidence, now=now)


def _locked(evidence_id, now):
    evidence = Evidence.objects.select_for_update().select_related("milestone").get(pk=evidence_id)
    if evidence.link_checked_at is not None and evidence.link_checked_at >= now:
        return None
    if evidence.is_retracted:
        return None
    return evidence


def _truncate(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


def _record_failure(evidence_id, error, *, now):
    with transaction.atomic():
        evidence = _locked(evidence_id, now)
        if evidence is None:
            return CheckResult(None)
        check = LinkArchive.objects.create(
            evidence=evidence,
            checked_at=now,
            outcome=error.kind,
            detail=_truncate(error.detail, 500),
            http_status=error.status,
            final_url=_truncate(error.url, 2000) if error.url != evidence.url else "",
        )
        evidence.link_failures += 1
        fields = ["link_checked_at", "link_failures"]
        changed = False
        if evidence.link_broken_since is None and (
            evidence.link_failures >= FAILED_CHECKS_BEFORE_BROKEN
        ):
            evidence.link_broken_since = _first_failure_since(evidence, now)
            fields.append("link_broken_since")
            changed = True
        evidence.link_checked_at = now
        evidence.save(update_fields=fields)
        if changed:
            invalidate_commitment_pages(evidence.milestone.commitment_id)
    logger.info("Link evidence %s: check failed (%s)", evidence_id, error.kind)
    return CheckResult(check, changed_page=changed)


def _first_failure_since(evidence, now):
    """When the current run of failed checks began (this one, at `now`, included)."""
    earlier = list(
        LinkArchive.objects.filter(evidence=evidence, checked_at__lt=now)
        .order_by("-checked_at", "-id")
        .values_list("checked_at", "outcome")[: evidence.link_failures - 1]
    )
    first = now
    for checked_at, outcome in earlier:
        if outcome in LinkArchive.SUCCESSES:
            break
        first = checked_at
    return first


def _record_success(evidence_id, fetched, *, now):
    content_type = served_type(fetched.body, fetched.content_type)
    stored_name = None
    try:
        with transaction.atomic():
            evidence = _locked(evidence_id, now)
            if evidence is None:
                return CheckResult(None)
            previous = evidence.archive
            unchanged = previous is not None and previous.sha256 == fetched.sha256
            check = LinkArchive(
                evidence=evidence,
                checked_at=now,
                outcome=(
                    LinkArchive.Outcome.UNCHANGED if unchanged else LinkArchive.Outcome.ARCHIVED
                ),
                http_status=fetched.status,
                final_url=(
                    _truncate(fetched.final_url, 2000) if fetched.final_url != evidence.url else ""
                ),
                declared_type=fetched.content_type,
                content_type=content_type,
                size=fetched.size,
                sha256=fetched.sha256,
            )
            if not unchanged:
                content = File(fetched.body, name="copy")
                content.content_type = content_type
                name = f"link-archives/{now:%Y/%m}/{secrets.token_hex(16)}"
                stored_name = default_storage.save(name, content)
                check.file.name = stored_name
            check.save()
            changed = not unchanged or evidence.link_broken_since is not None
            evidence.link_checked_at = now
            evidence.link_failures = 0
            evidence.link_broken_since = None
            if not unchanged:
                evidence.archive = check
            evidence.save(
                update_fields=["link_checked_at", "link_failures", "link_broken_since", "archive"]
            )
            if changed:
                invalidate_commitment_pages(evidence.milestone.commitment_id)
    except BaseException:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    logger.info("Link evidence %s: %s (%d bytes)", evidence_id, check.outcome, fetched.size)
    return CheckResult(check, changed_page=changed)


def due_links(*, now):
    """Live link evidence whose next check is due at `now`: never checked, last checked a
    week ago (LINK_ARCHIVE_RECHECK_DAYS), or failing and last tried LINK_ARCHIVE_RETRY_HOURS
    ago. The longest waiting first."""
    week = now - dt.timedelta(days=settings.LINK_ARCHIVE_RECHECK_DAYS)
    retry = now - dt.timedelta(hours=settings.LINK_ARCHIVE_RETRY_HOURS)
    return (
        Evidence.objects.exclude(url="")
        .filter(retracted_at__isnull=True)
        .filter(
            Q(link_checked_at__isnull=True)
            | Q(link_checked_at__lte=week)
            | Q(link_failures__gt=0, link_checked_at__lte=retry)
        )
        .order_by(F("link_checked_at").asc(nulls_first=True), "pk")
    )


@dataclass
class RecheckResult:
    checked: int
    failed: int
    more: bool


def recheck_links(*, now, limit):
    """Checks up to `limit` due links at `now` (one batch); says whether more are due."""
    batch = list(due_links(now=now)[: limit + 1])
    more = len(batch) > limit
    checked = failed = 0
    for evidence in batch[:limit]:
        result = check_link(evidence=evidence, now=now)
        if result.check is not None:
            checked += 1
            failed += not result.check.succeeded
    return RecheckResult(checked=checked, failed=failed, more=more)
