import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    kwargs = models.JSONField(_("named arguments"), default=dict)
    # Celery message headers captured when the task was asked for (ops.outbox.task_headers).
    headers = models.JSONField(_("headers"), default=dict)
    # The Celery task id it is published under: the same id however many times it is sent.
    task_id = models.UUIDField(_("task id"), default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Failed publishes for a reason of the message's own (an unknown task name, say); the
    # broker being away does not count. The relay gives up at ops.outbox.MAX_ATTEMPTS.
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
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


class RateCounter(models.Model):
    """How often one thing happened for one key lately: the budgets of ops.budgets.

    `key` is an HMAC of what is counted (an email address, a client's network, a user name),
    never the thing itself. A row is forgotten after `expires_at` (the beat purges old rows).
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)
    # The window's start (ops.budgets.take) or the last event (ops.budgets.backoff).
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    # No event is allowed before this (ops.budgets.backoff); unused by take().
    blocked_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="ops_ratecounter_once"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="ops_ratecounter_expiry")]

    def __str__(self):
        return f"{self.scope} {self.key[:8]}: {self.count}"
