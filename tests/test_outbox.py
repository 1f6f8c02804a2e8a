"""The transactional outbox (ops.outbox), its relay, and the cache that degrades without Redis.

No Redis server is needed: a broker or cache "down" is a port nobody listens on. The whole
outage, on a real Redis stopped and started again, is tests/test_redis_outage.py.
"""

import datetime as dt
import logging
import socket
import threading
import time

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from ogptracker.celery import app as celery_app
from ops import outbox
from ops.logs import request_id_var
from ops.models import Heartbeat, OutboxMessage
from ops.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db


def dead_redis_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: nothing listens there


@pytest.fixture
def eager():
    """Published tasks run in this process, as if a worker took them at once."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def broker_down():
    before = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = dead_redis_url()
    celery_app.conf.task_always_eager = False
    yield celery_app.conf.broker_url
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = before


def test_the_outbox_finds_the_project_app_from_any_thread():
    # ops/ may not import ogptracker/: it looks the app up, and a request's thread (gunicorn,
    # runserver) must find this one, not celery's unconfigured fallback app.
    found = []
    thread = threading.Thread(target=lambda: found.append(outbox._celery_app()))
    thread.start()
    thread.join()
    assert found == [celery_app]
    assert outbox._celery_app() is celery_app


def test_a_task_is_queued_with_its_transaction_and_sent_when_it_commits(
    eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = outbox.enqueue(beat_heartbeat)
        assert not Heartbeat.objects.exists()  # nothing is sent before the commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert (message.task, message.args, message.kwargs) == ("ops.beat_heartbeat", [], {})
    assert message.headers == {}
    assert message.sent_at is not None
    assert Heartbeat.objects.filter(name="beat").exists()


def test_a_task_carries_the_id_of_the_request_that_queued_it(
    eager, django_capture_on_commit_callbacks
):
    """Captured when queued, so the relay, sending it later from another process, still
    carries it (ops.logs)."""
    token = request_id_var.set("req-0123456789")
    try:
        with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
            message = outbox.enqueue(beat_heartbeat)
    finally:
        request_id_var.reset(token)
    assert message.headers == {"request_id": "req-0123456789"}
    # Outside any request there is nothing to carry.
    assert outbox.enqueue(beat_heartbeat).headers == {}


def test_a_rolled_back_change_queues_nothing(eager, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.enqueue(beat_heartbeat)
        raise RuntimeError("the change fails")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert not Heartbeat.objects.exists()


def test_enqueue_once_queues_one_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        assert outbox.enqueue_once("alerts.process_transitions") is not None
        assert outbox.enqueue_once("alerts.process_transitions") is None
        assert outbox.enqueue_once("alerts.send_user_digest", 1) is not None
        # One queued in a savepoint that is rolled back does not count.
        try:
            with transaction.atomic():
                assert outbox.enqueue_once("alerts.send_user_digest", 2) is not None
                raise RuntimeError
        except RuntimeError:
            pass
        assert outbox.enqueue_once("alerts.send_user_digest", 2) is not None
        # One queued in a savepoint that was released (committed into this one) counts.
        with transaction.atomic():
            assert outbox.enqueue_once("alerts.send_user_digest", 3) is not None
        assert outbox.enqueue_once("alerts.send_user_digest", 3) is None
    assert sorted(OutboxMessage.objects.values_list("task", "args")) == [
        ("alerts.process_transitions", []),
        ("alerts.send_user_digest", [1]),
        ("alerts.send_user_digest", [2]),
        ("alerts.send_user_digest", [3]),
    ]
    assert len(callbacks) == 4


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_task_waits_and_the_relay_sends_it_later(broker_down, caplog):
    caplog.set_level(logging.WARNING, logger="ops.outbox")
    started = time.monotonic()
    first = outbox.enqueue(beat_heartbeat)  # autocommit: published (or not) at once
    second = outbox.enqueue(beat_heartbeat)
    assert time.monotonic() - started < 2, "a dead broker must cost little"
    assert OutboxMessage.objects.filter(sent_at=None).count() == 2
    first.refresh_from_db()
    assert "Connection refused" in first.last_error
    assert first.attempts == 0  # the broker's fault, not the message's
    # One warning, not one per task.
    assert [r.getMessage()[:30] for r in caplog.records] == ["broker unavailable, 1 task(s) "]

    with pytest.raises(CommandError, match="the rest waits"):
        call_command("relay_outbox", once=True)

    # The broker is back (here: tasks run in this process).
    celery_app.conf.task_always_eager = True
    call_command("relay_outbox", once=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not OutboxMessage.objects.filter(sent_at=None).exists()
    assert Heartbeat.objects.filter(name="beat").exists()
    second.refresh_from_db()
    assert second.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_relays_never_send_one_message_twice(eager):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL")
    messages = [OutboxMessage.objects.create(task="ops.beat_heartbeat") for _ in range(3)]
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        # Holds the first message, as a relay in the middle of sending it would.
        with transaction.atomic():
            list(OutboxMessage.objects.select_for_update().filter(pk=messages[0].pk))
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(10)
        sent, error = outbox.relay_batch()
        assert (sent, error) == (2, None)
        assert OutboxMessage.objects.get(pk=messages[0].pk).sent_at is None
    finally:
        release.set()
        thread.join()
    assert outbox.relay_batch() == (1, None)
    assert outbox.relay_batch() == (0, None)


def test_a_message_that_cannot_be_sent_is_given_up_after_a_few_tries(eager):
    message = outbox.enqueue("no.such.task")
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        outbox.relay_batch()
    message.refresh_from_db()
    assert message.sent_at is None
    assert message.attempts == outbox.MAX_ATTEMPTS
    assert "no.such.task" in message.last_error
    assert outbox.waiting_count() == 0


def test_sent_messages_are_purged_after_some_days():
    now = timezone.now()
    old = OutboxMessage.objects.create(task="t", sent_at=now - dt.timedelta(days=8))
    recent = OutboxMessage.objects.create(task="t", sent_at=now - dt.timedelta(days=1))
    waiting = OutboxMessage.objects.create(task="t", created_at=now - dt.timedelta(days=30))
    assert outbox.purge_sent(now=now) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


def test_health_reports_tasks_stuck_in_the_outbox(client):
    beat_heartbeat()
    OutboxMessage.objects.create(task="t", created_at=timezone.now() - dt.timedelta(minutes=5))
    body = client.get("/healthz/").json()
    assert body["status"] == "degraded"
    assert body["checks"]["outbox"]["error"].startswith("1 task(s) waiting in the outbox")


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "ops.cache.DegradingRedisCache",
            "LOCATION": dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    return caches["default"]


def test_a_cache_without_redis_is_no_cache(dead_cache, caplog):
    caplog.set_level(logging.INFO, logger="ops.cache")
    started = time.monotonic()
    assert dead_cache.get("k", "default") == "default"
    dead_cache.set("k", 1)
    assert dead_cache.add("k", 1) is False
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.set_many({"a": 1}) == ["a"]
    assert dead_cache.delete("k") is False
    with pytest.raises(ValueError):
        dead_cache.incr("k")
    assert dead_cache.get_or_set("k", lambda: 5) == 5
    assert dead_cache.clear() is None
    assert time.monotonic() - started < 2
    assert dead_cache.unavailable
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert warnings[0].startswith("cache unavailable, serving without cache (ConnectionError")


def test_public_pages_serve_and_writes_keep_their_invalidation_without_the_cache(
    demo, dead_cache, client, django_capture_on_commit_callbacks
):
    from commitments.cache import invalidate_public_pages

    home = client.get("/")
    assert home.status_code == 200
    assert "Nuevo León" in home.content.decode()
    assert client.get("/compromisos/MXNLE0001/").status_code == 200
    OutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(), transaction.atomic():
        invalidate_public_pages()
        invalidate_public_pages()
    # Made by a worker once Redis is back: one per transaction.
    assert list(OutboxMessage.objects.values_list("task", flat=True)) == [
        "commitments.bump_public_version"
    ]
    health = client.get("/healthz/").json()
    assert health["status"] == "degraded"
    assert health["checks"]["cache"]["error"].startswith("the cache (Redis) is unavailable")
