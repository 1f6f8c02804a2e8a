"""Transactional outbox: the one way this project queues a Celery task.

    outbox.enqueue(tasks.send_follow_confirmation, follow.pk)

inserts an OutboxMessage in the caller's transaction. When that transaction commits, the
message is published at once (so a task starts as soon as it would with `.delay()`), and
marked sent; if the broker cannot be reached it stays in the table and the relay
(`manage.py relay_outbox`, a process of its own) sends it when Redis is back. A task is
therefore queued if and only if the change that asked for it committed, and a Redis outage
loses none.

Both senders lock the rows they send (`SELECT ... FOR UPDATE SKIP LOCKED`) and skip rows
already marked sent, so two of them never send one row twice. A message can still be sent
twice in one case: published, then the process dies before its "sent" mark commits. Every
task queued through here must therefore be idempotent (see the tasks' modules).
"""

import logging
import threading
import time
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .logs import task_headers
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# The broker is away (refused, timed out, closed): the message waits for the relay.
BROKER_UNAVAILABLE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)
# A message that failed this often for a reason of its own is left for a person to look at
# (/healthz/ reports it waiting).
MAX_ATTEMPTS = 5
# Sent messages are kept this long (for tracing), then purged by the relay.
KEEP_SENT_DAYS = 7
# After the broker failed, this process leaves publishing to the relay for this long, so a
# request that commits during an outage does not pay a connection attempt each time.
PUBLISH_PAUSE_SECONDS = 5.0
# A dead broker must cost a fraction of a second, not Celery's default of retrying a
# connection for 4 seconds and a publish 3 times.
_FAST_CONNECTION = {
    "connect_timeout": 0.5,
    "transport_options": {"max_retries": 0, "socket_connect_timeout": 0.5, "socket_timeout": 2},
}

# Broker URL -> monotonic time until which this process leaves publishing to the relay.
_paused_until = {}
# Broker URL -> when this process last warned that it could not publish; once a minute at most.
_warned_at = {}
WARN_EVERY_SECONDS = 60.0
_pause_lock = threading.Lock()


def enqueue(task, *args, **kwargs):
    """Queues `task(*args, **kwargs)` with the current transaction; returns the message.

    `task` is a Celery task or its registered name (a name lets a module queue a task of an
    app it must not import). Arguments must be JSON (ids, not objects), as Celery's are.
    """
    return _queue(task, args, kwargs, task_headers())


# A message whose arguments are forgotten once it is sent (a person's email address typed into
# a form, which nobody needs once the task has it): a header of ours, which Celery ignores.
FORGET_HEADER = "ogptracker_forget_arguments"


def enqueue_private(task, *args, **kwargs):
    """Like enqueue(), but the message's arguments are blanked in the outbox once it is
    published: the outbox keeps sent messages for days, and these arguments are personal."""
    return _queue(task, args, kwargs, {**task_headers(), FORGET_HEADER: True})


def _queue(task, args, kwargs, headers):
    message = OutboxMessage.objects.create(
        task=_name(task), args=list(args), kwargs=kwargs, headers=headers
    )
    transaction.on_commit(_PublishOnCommit(message))
    return message


def enqueue_once(task, *args, **kwargs):
    """Like enqueue(), but only once per transaction for the same task and arguments.

    For tasks that do the same whoever asks (e.g. "notify every pending transition"): a
    transaction that asks a thousand times queues one. Returns the message, or None when the
    transaction already holds one.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        key = (_name(task), list(args), kwargs)
        # The callbacks still waiting for the commit. Django drops those of a savepoint when
        # it is rolled back; any left belongs to a savepoint that encloses this point or was
        # released into one, so it cannot be rolled back without this one being rolled back.
        for _savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _PublishOnCommit) and callback.key == key:
                return None
    return enqueue(task, *args, **kwargs)


def _name(task):
    return task if isinstance(task, str) else task.name


class _PublishOnCommit:
    def __init__(self, message):
        self.message_id = message.pk
        self.key = (message.task, message.args, message.kwargs)

    def __call__(self):
        publish([self.message_id])

    def __repr__(self):
        return f"<publish outbox message {self.message_id}: {self.key[0]}>"


def publish(ids):
    """Sends these messages now if the broker answers; whatever is left goes to the relay.

    Run after the commit of the transaction that wrote them: it never raises, since that
    change is committed whatever happens here.
    """
    app = _celery_app()

    broker = app.conf.broker_write_url
    if time.monotonic() < _paused_until.get(broker, 0.0):
        return 0
    try:
        with transaction.atomic():
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids, sent_at=None)
                .order_by("id")
            )
            sent, error = _send(rows)
    except Exception:
        logger.exception("Could not publish outbox messages %s; the relay will send them", ids)
        return 0
    if error is not None:
        _pause(broker, error, waiting=len(rows) - len(sent))
    return len(sent)


def _pause(broker, error, *, waiting):
    with _pause_lock:
        now = time.monotonic()
        _paused_until[broker] = now + PUBLISH_PAUSE_SECONDS
        warn = now - _warned_at.get(broker, -WARN_EVERY_SECONDS) >= WARN_EVERY_SECONDS
        if warn:
            _warned_at[broker] = now
    if warn:
        logger.warning(
            "broker unavailable, %d task(s) kept in the outbox for the relay (%s: %s)",
            waiting,
            type(error).__name__,
            error,
        )


def relay_batch(batch_size=100):
    """Sends up to `batch_size` waiting messages, oldest first; for the relay.

    Returns (how many were sent, the broker's error or None). It stops at the first broker
    error: the rest wait with it.
    """
    waiting = OutboxMessage.objects.filter(sent_at=None, attempts__lt=MAX_ATTEMPTS)
    # Looked at without a lock first: on SQLite a write transaction locks the whole file.
    if not waiting.exists():
        return 0, None
    with transaction.atomic():
        rows = list(waiting.select_for_update(skip_locked=True).order_by("id")[:batch_size])
        sent, error = _send(rows)
    return len(sent), error


def retry(messages):
    """Gives the unsent `messages` a new round of attempts (the relay gave up on them after
    MAX_ATTEMPTS failures, say, and the cause is fixed); returns how many."""
    return messages.filter(sent_at=None).update(attempts=0, last_error="")


def waiting_count():
    return OutboxMessage.objects.filter(sent_at=None, attempts__lt=MAX_ATTEMPTS).count()


def purge_sent(*, now, days=KEEP_SENT_DAYS):
    """Deletes the messages sent more than `days` ago; returns how many."""
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=now - timedelta(days=days)).delete()
    return deleted


def _celery_app():
    # The project's Celery app, looked up rather than imported: ops/ sits below ogptracker/,
    # which declares its app the default of every thread (ogptracker/celery.py).
    return current_app._get_current_object()


def _task(app, name):
    if name not in app.tasks:
        # A web process imports only the task modules its views use, and the relay none.
        # Django's own import of every app's tasks.py: Celery's loader would also set Django
        # up again and run the system checks.
        autodiscover_modules("tasks")
    return app.tasks[name]


def _send(rows):
    """Publishes locked rows in order and marks the published ones sent.

    Call inside the transaction that locked them. Returns (ids sent, broker error or None).
    """
    app = _celery_app()

    sent, broker_error = [], None
    if not rows:
        return sent, broker_error
    with app.connection_for_write(**_FAST_CONNECTION) as connection:
        for row in rows:
            try:
                task = _task(app, row.task)
                task.apply_async(
                    args=row.args,
                    kwargs=row.kwargs,
                    task_id=str(row.task_id),
                    headers=row.headers,
                    connection=connection,
                    retry=False,
                )
            except BROKER_UNAVAILABLE as error:
                broker_error = error
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                row.save(update_fields=["last_error"])
                break
            except Exception as error:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                row.save(update_fields=["attempts", "last_error"])
                log = logger.error if row.attempts >= MAX_ATTEMPTS else logger.warning
                log("Could not publish %s (attempt %d): %s", row, row.attempts, row.last_error)
                continue
            sent.append(row.pk)
    if sent:
        OutboxMessage.objects.filter(pk__in=sent).update(sent_at=timezone.now())
        published = set(sent)
        private = [r.pk for r in rows if r.pk in published and r.headers.get(FORGET_HEADER)]
        if private:
            OutboxMessage.objects.filter(pk__in=private).update(args=[], kwargs={})
    return sent, broker_error
