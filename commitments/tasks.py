"""Celery tasks: thin wrappers that take ids (or nothing) and call the service layer."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    name="commitments.flag_stale_milestones",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def flag_stale_milestones():
    result = services.flag_stale_milestones(now=timezone.now(), keep_transitions=False)
    logger.info(
        "Checked %d milestones, %d traffic-light changes: %s",
        result.checked,
        sum(result.changed.values()),
        dict(result.changed),
    )
    if result.changed:
        # Imported here: alerts depends on commitments, not the other way round.
        from alerts.tasks import process_transitions

        transaction.on_commit(process_transitions.delay)
    return result.checked
