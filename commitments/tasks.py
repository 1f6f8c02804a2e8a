"""Celery tasks: thin wrappers that take ids (or nothing) and call the service layer.

They are queued through the outbox (ops.outbox), which may in rare cases send one twice, so
each must be idempotent: the stale job moves each milestone's next check past the time it
ran, so a second run finds nothing to do; a second bump of the public version only makes the
next visitor of each page render it afresh.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from ops import outbox

from . import cache, services

logger = logging.getLogger(__name__)


# The set-based jobs over every milestone: retried while the database is briefly away.
LONG_JOB = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "soft_time_limit": 20 * 60,
    "time_limit": 25 * 60,
}


@shared_task(name="commitments.flag_stale_milestones", **LONG_JOB)
def flag_stale_milestones():
    now = timezone.now()
    # A deploy that skipped `manage.py apply_methodology` is caught up here, before the clock
    # records anything under the old method's lights.
    services.apply_methodology(now=now)
    result = services.flag_stale_milestones(now=now)
    logger.info(
        "Checked %d milestones, %d traffic-light changes: %s",
        result.checked,
        sum(result.changed.values()),
        dict(result.changed),
    )
    if result.changed:
        # By name: alerts depends on commitments, not the other way round.
        outbox.enqueue("alerts.process_transitions")
    return result.checked


@shared_task(name="commitments.audit_lights", **LONG_JOB)
def audit_lights():
    """Every night: every stored light checked against the rules, and repaired. Quiet when
    clean; each difference is an error in the log (something wrote a light around the
    services), repaired as a correction listed on /correcciones/."""
    result = services.audit_lights(now=timezone.now(), fix=True)
    for difference in result.differences:
        logger.error(
            "Light audit: %s differed from the rules and was repaired: %s",
            difference.label,
            {name: [str(a), str(b)] for name, (a, b) in difference.fields.items()},
        )
    return len(result.differences)


@shared_task(
    name="commitments.bump_public_version",
    autoretry_for=(cache.CacheUnavailable,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=20,
    soft_time_limit=20,
    time_limit=30,
)
def bump_public_version():
    """Invalidates the cached public pages: a write made while the cache was down asks for it,
    since Redis may come back holding the pages from before (a network cut, a restart from
    its snapshot)."""
    if not cache.bump_now():
        raise cache.CacheUnavailable("the cache is still unavailable")


@shared_task(name="commitments.snapshot_rankings", **LONG_JOB)
def snapshot_rankings():
    """Every day: the figures of every state and institution kept for the ranking over
    time. Idempotent: a second run the same day inserts nothing."""
    inserted = services.take_ranking_snapshots(now=timezone.now())
    logger.info("Ranking snapshot: %d rows stored", inserted)
    return inserted


# One link's fetch is bounded by LINK_ARCHIVE_DEADLINE; a batch by LINK_ARCHIVE_BATCH of them.
LINK_JOB = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(name="commitments.archive_link", soft_time_limit=5 * 60, time_limit=6 * 60, **LINK_JOB)
def archive_link(evidence_id):
    """A link just added as evidence, fetched and kept. Idempotent: a link already checked
    is left alone."""
    result = services.archive_new_link(evidence_id=evidence_id, now=timezone.now())
    return result.check.outcome if result.check else None


@shared_task(
    name="commitments.recheck_links", soft_time_limit=20 * 60, time_limit=25 * 60, **LINK_JOB
)
def recheck_links(batches_left=None):
    """Every night: the links whose weekly check (or retry after a failure) is due, one
    bounded batch per run; while more are due, the next batch is queued, up to
    LINK_ARCHIVE_MAX_BATCHES a night. A second run finds the links it checked not due."""
    if not settings.LINK_ARCHIVE_ENABLED:
        return 0
    if batches_left is None:
        batches_left = settings.LINK_ARCHIVE_MAX_BATCHES
    result = services.recheck_links(now=timezone.now(), limit=settings.LINK_ARCHIVE_BATCH)
    logger.info("Link check: %d links checked, %d failed", result.checked, result.failed)
    if result.more and result.checked and batches_left > 1:
        outbox.enqueue("commitments.recheck_links", batches_left - 1)
    return result.checked
