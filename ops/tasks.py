from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="ops.beat_heartbeat", ignore_result=True, soft_time_limit=20, time_limit=30)
def beat_heartbeat():
    """Sent by the beat every minute; /healthz/ reports the beat stale past two minutes."""
    Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now()})
