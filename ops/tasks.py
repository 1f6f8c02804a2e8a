import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from . import budgets
from .models import Heartbeat

# Worth another try later: the database or the mail server was briefly away.
TRANSIENT = (OperationalError, InterfaceError, smtplib.SMTPException, ConnectionError, TimeoutError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="ops.beat_heartbeat", ignore_result=True, soft_time_limit=20, time_limit=30)
def beat_heartbeat():
    """Sent by the beat every minute; /healthz/ reports the beat stale past two minutes."""
    Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now()})


@shared_task(name="ops.purge_rate_counters", ignore_result=True, soft_time_limit=60, time_limit=90)
def purge_rate_counters():
    """Sent by the beat every hour: drops the budget rows whose window is over."""
    return budgets.purge(now=timezone.now())
