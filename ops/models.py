import uuid

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """When a periodic process last proved it runs (one row per name, e.g. "beat").

    In the database rather than the cache, so /healthz/ can still tell when Redis is down."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class OutboxMessage(models.Model):
    """A Celery task to send, written in the transaction of the change that asks for it.

    ops.outbox.enqueue() inserts it; once the transaction commits the task is published at
    once, and whatever could not be published (the broker was away) is sent later by the
    relay (`manage.py relay_outbox`). A task is thus queued if and only if its change
    committed, and never lost while Redis is down. Sent rows are purged after some days.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    # Celery message headers captured when the task was asked for (ops.outbox.task_headers).
    headers = models.JSONField(default=dict)
    # The Celery task id it is published under: the same id however many times it is sent.
    task_id = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Failed publishes for a reason of the message's own (an unknown task name, say); the
    # broker being away does not count. The relay gives up at ops.outbox.MAX_ATTEMPTS.
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The relay's queue: only the unsent rows, oldest first. Sent rows (nearly all)
            # stay out of it.
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="ops_outbox_unsent"
            ),
            # The purge of old sent rows.
            models.Index(
                fields=["sent_at"],
                condition=models.Q(sent_at__isnull=False),
                name="ops_outbox_sent",
            ),
        ]

    def __str__(self):
        state = f"sent {self.sent_at:%Y-%m-%d %H:%M:%S}" if self.sent_at else "waiting"
        return f"{self.task} #{self.pk} ({state})"
