"""Celery tasks: they take ids (or nothing), are queued on commit, and call alerts.services.

They are queued through the outbox (ops.outbox), which may in rare cases send one twice, so
each must be idempotent. They are: transitions and notices are claimed with a conditional
UPDATE before anything is written or sent (alerts.services), reminders are unique per
milestone and due date, a moved due date's notices are unique per person and move, each
email about a dispute is recorded unique per person and step and claimed before it is sent,
and a digest task claims its notices before sending. The one exception is harmless: a follow
confirmation sent twice is the same email with the same link, as when the person asks again.
"""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from ops import outbox
from ops.tasks import RETRY

from . import disputes, services

logger = logging.getLogger(__name__)


@shared_task(
    name="alerts.process_transitions", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY
)
def process_transitions():
    claimed = services.notify_transitions(now=timezone.now())
    logger.info("Queued the notices of %d traffic-light changes", claimed)
    return claimed


@shared_task(name="alerts.purge_unconfirmed_follows", soft_time_limit=5 * 60, time_limit=6 * 60)
def purge_unconfirmed_follows():
    return services.purge_unconfirmed_follows(now=timezone.now())


@shared_task(name="alerts.scan_due_reminders", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY)
def scan_due_reminders():
    now = timezone.now()
    queued = services.queue_due_reminders(today=timezone.localdate(now), now=now)
    logger.info("Queued reminders for %d milestones due within 14 days", queued)
    return queued


@shared_task(name="alerts.send_digests", soft_time_limit=5 * 60, time_limit=6 * 60, **RETRY)
def send_digests():
    """Queues one digest task per person with news, so one bad address retries alone."""
    user_ids, emails = services.pending_digest_recipients()
    with transaction.atomic():
        for user_id in user_ids:
            outbox.enqueue(send_user_digest, user_id)
        for email in emails:
            outbox.enqueue(send_citizen_digest, email)
    return len(user_ids) + len(emails)


@shared_task(name="alerts.send_user_digest", soft_time_limit=60, time_limit=90, **RETRY)
def send_user_digest(user_id):
    return services.send_user_digest(user_id=user_id, now=timezone.now())


@shared_task(name="alerts.send_citizen_digest", soft_time_limit=60, time_limit=90, **RETRY)
def send_citizen_digest(email):
    return services.send_citizen_digest(email=email, now=timezone.now())


@shared_task(name="alerts.send_follow_confirmation", soft_time_limit=60, time_limit=90, **RETRY)
def send_follow_confirmation(follow_id):
    return services.send_follow_confirmation(follow_id=follow_id)


@shared_task(name="alerts.notify_dispute", soft_time_limit=2 * 60, time_limit=3 * 60, **RETRY)
def notify_dispute(dispute_id, event):
    """A step of a dispute's thread (opened, answered, withdrawn, maintained), emailed at once
    to the other side; queued by commitments.services through the outbox."""
    return disputes.notify_dispute(dispute_id=dispute_id, event=event, now=timezone.now())


@shared_task(name="alerts.remind_disputes", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY)
def remind_disputes():
    reminded = disputes.remind_unanswered(now=timezone.now())
    logger.info("Reminded the officials of %d unanswered disputes", reminded)
    return reminded


@shared_task(name="alerts.notify_reschedule", soft_time_limit=60, time_limit=90, **RETRY)
def notify_reschedule(reschedule_id):
    """A moved due date, queued for the state's civil society's digest."""
    return services.queue_reschedule_notices(reschedule_id=reschedule_id, now=timezone.now())
