from celery import shared_task
from django.utils import timezone

from . import budgets
from .models import Heartbeat


@shared_task(name="ops.beat_heartbeat", ignore_result=True, soft_time_limit=20, time_limit=30)
def beat_heartbeat():
    """Sent by the beat every minute; /healthz/ reports the beat stale past two minutes."""
    Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now()})


@shared_task(name="ops.purge_rate_counters", ignore_result=True, soft_time_limit=60, time_limit=90)
def purge_rate_counters():
    """Sent by the beat every hour: drops the budget rows whose window is over."""
    return budgets.purge(now=timezone.now())
