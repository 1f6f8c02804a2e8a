"""Redis goes down in the middle of a run: public pages still serve, writes still commit, and
the tasks they queue wait in the outbox until the relay sends them to a real worker.

The test runs its own redis-server on a free port (never the shared one) as the cache and the
broker, a real `celery worker --beat` and a real `manage.py relay_outbox` on the test's
PostgreSQL database; the web requests go through Django's test client in this process.
"""

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from alerts.models import Follow, Notification
from commitments import services
from commitments.models import Milestone, StatusUpdate, Transition
from ogptracker.celery import app as celery_app
from ops.models import OutboxMessage
from states.models import State
from tests.conftest import require_tool
from tests.processes import emails_in, free_port, server_env, wait_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


class RedisServer:
    """A redis-server of the test's own, stopped and started again on the same port."""

    def __init__(self, folder):
        self.binary = require_tool("redis-server")
        self.folder = folder
        self.folder.mkdir()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=server_env(),
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: self._answers(client), "redis-server to start", timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @staticmethod
    def _answers(client):
        try:
            return client.ping()
        except redis.RedisError:
            return False


class Process:
    """A process of the project (worker, relay) whose output goes to a file."""

    def __init__(self, args, env, log):
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self):
        return self.log.read_text()

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def emails_to(folder, address):
    return [m for m in emails_in(folder) if m["To"] == address]


def pages_in(server):
    return redis.Redis(port=server.port).keys("ogptracker:*page:*")


@pytest.fixture
def stack(tmp_path, settings):
    """Own Redis as this process's cache and broker, plus a worker with beat and a relay."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker and the relay share the test's database: PostgreSQL only")
    server = RedisServer(tmp_path / "redis")
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "ops.cache.DegradingRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "ogptracker",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    settings.PUBLIC_PAGE_CACHE = True
    broker_before = celery_app.conf.broker_url
    celery_app.conf.broker_url = server.url
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": server.url,
        "VAR_DIR": str(tmp_path / "var"),
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "DEBUG": "true",
        # The beat's stale check every 3 s: it must fail quietly during the outage and
        # carry on after it.
        "STALE_CHECK_SECONDS": "3",
    }
    celery = [sys.executable, "-m", "celery", "-A", "ogptracker"]
    worker = Process(
        [
            *celery,
            "worker",
            "--beat",
            "-P",
            "solo",
            "-l",
            "INFO",
            "-n",
            f"outage-{uuid.uuid4().hex[:8]}@%h",
            "-s",
            str(tmp_path / "beat-schedule"),
        ],
        env,
        tmp_path / "worker.log",
    )
    relay = Process(
        [
            sys.executable,
            "manage.py",
            "relay_outbox",
            "--interval",
            "0.5",
            "--max-backoff",
            "1",
        ],
        env,
        tmp_path / "relay.log",
    )
    stack = type("Stack", (), {})()
    stack.redis, stack.worker, stack.relay = server, worker, relay
    stack.mail = tmp_path / "mail"
    try:
        wait_for(lambda: " ready." in worker.output(), "the worker to start", timeout=30)
        yield stack
    finally:
        relay.stop()
        worker.stop()
        server.stop()
        celery_app.conf.broker_url = broker_before


def outbox_rows(**filters):
    return list(OutboxMessage.objects.filter(**filters).order_by("id"))


def test_a_redis_outage_loses_no_page_no_write_and_no_task(
    demo, stack, client, django_user_model, caplog
):
    caplog.set_level(logging.INFO)
    now = timezone.now()
    today = timezone.localdate(now)
    # A milestone red for staleness (started long ago, nothing heard since), due far ahead:
    # its official's status report turns it green, a traffic-light change.
    milestone = Milestone.objects.select_related("commitment").get(
        commitment__ogp_id="MXNLE9002", number=2
    )
    Milestone.objects.filter(pk=milestone.pk).update(
        status="not_started",
        progress=0,
        starts_on=today - dt.timedelta(days=400),
        due_on=today + dt.timedelta(days=200),
        last_activity_at=now - dt.timedelta(days=400),
        next_check_at=now,
    )
    services.flag_stale_milestones(now=now)
    milestone.refresh_from_db()
    assert milestone.signal == "red"
    Transition.objects.update(notified_at=now)  # earlier changes are not this test's
    commitment = milestone.commitment
    follower = Follow.objects.create(
        email="vecina@example.org", commitment=commitment, confirmed_at=now, created_at=now
    )
    official = django_user_model.objects.get(username="oficial.nuevoleon")
    # The Consejo leads MXNLE9002, not the official's secretariat: the state lets any of its
    # officials report (the scope of writes has its own tests).
    State.objects.filter(slug="nuevo-leon").update(any_official_may_report=True)
    commitment_url = f"/compromisos/{commitment.ogp_id}/"

    # --- Redis up: pages are cached, a write's task is published at once and runs.
    assert client.get("/").status_code == 200
    assert client.get(commitment_url).status_code == 200
    assert pages_in(stack.redis), "public pages are cached in Redis"
    assert client.post("/seguir/estado/nuevo-leon/", {"email": "antes@example.org"}).status_code
    (before,) = outbox_rows()
    assert before.sent_at is not None, "published on commit, not left for the relay"
    wait_for(lambda: emails_to(stack.mail, "antes@example.org"), "the worker's first email")

    # --- Redis down.
    stack.redis.stop()
    caplog.clear()
    expected = {
        "/": "Nuevo León",
        "/estados/nuevo-leon/": commitment.ogp_id,
        commitment_url: commitment.title,
        "/en/": "Nuevo León",
        "/semaforo/": "Nuevo León",
    }
    for url, text in expected.items():
        started = time.monotonic()
        response = client.get(url)
        assert response.status_code == 200, url
        assert time.monotonic() - started < 2, f"{url} waited for the dead Redis"
        assert text in response.content.decode(), url
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "ops.cache" and r.levelno == logging.WARNING
    ]
    # Once for the outage, not once per request.
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("cache unavailable, serving without cache")

    health = client.get("/healthz/")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["checks"]["cache"]["ok"] is False

    # A contributor's write and a citizen's follow commit.
    client.force_login(official)
    response = client.post(
        f"/panel/hitos/{milestone.pk}/estatus/",
        {
            "status-version": milestone.version,
            "status-status": "in_progress",
            "status-progress": 10,
            "status-note": "Arrancó durante la caída de Redis.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    assert StatusUpdate.objects.filter(milestone=milestone, new_status="in_progress").exists()
    transition = Transition.objects.get(milestone=milestone, cause="status_update")
    assert (transition.old_signal, transition.new_signal) == ("red", "green")
    assert (
        client.post(
            commitment_url.replace("/compromisos/", "/seguir/compromiso/"),
            {"email": "durante@example.org"},
        ).status_code
        == 200
    )
    during = Follow.objects.get(email="durante@example.org")
    # The public page shows the change at once: nothing stale is served from a cache.
    assert "Arrancó durante la caída de Redis." in client.get(commitment_url).content.decode()

    # The tasks those writes asked for wait in the outbox, unsent.
    waiting = outbox_rows(sent_at=None)
    # (As a set: should the beat's stale check have queued notices too, they are alike.)
    assert {(m.task, tuple(m.args)) for m in waiting} == {
        ("alerts.process_transitions", ()),
        ("alerts.send_follow_confirmation", (during.pk,)),
        ("commitments.bump_public_version", ()),
    }
    assert any(
        r.name == "ops.outbox" and r.getMessage().startswith("broker unavailable")
        for r in caplog.records
    )
    wait_for(lambda: "broker unavailable" in stack.relay.output(), "the relay to try and wait")
    assert all(m.sent_at is None for m in outbox_rows(pk__in=[m.pk for m in waiting]))
    assert not emails_to(stack.mail, "durante@example.org")

    # --- Redis back on the same port: the relay sends, the worker (reconnected) runs them.
    stack.redis.start()
    wait_for(
        lambda: not OutboxMessage.objects.filter(sent_at=None).exists(),
        "the relay to send the waiting tasks",
    )
    wait_for(lambda: emails_to(stack.mail, "durante@example.org"), "the confirmation email")
    for message in waiting:
        done = f"[{message.task_id}] succeeded"
        wait_for(lambda d=done: d in stack.worker.output(), f"{message.task} to run")
    log = stack.worker.output()
    # Sent once, run once (the rows the worker's own tasks may have added since are not
    # this test's).
    for message in outbox_rows(pk__in=[before.pk, *(m.pk for m in waiting)]):
        assert message.sent_at is not None
        assert log.count(f"[{message.task_id}] received") == 1, message
    assert len(emails_to(stack.mail, "durante@example.org")) == 1
    assert len(emails_to(stack.mail, "antes@example.org")) == 1
    transition.refresh_from_db()
    assert transition.notified_at is not None
    assert Notification.objects.filter(follow=follower, transition=transition).exists()

    # The worker and its beat lived through it and reconnected by themselves.
    assert stack.worker.alive() and stack.relay.alive()
    assert "Cannot connect to redis://" in log
    assert log.count("Connected to redis://") >= 2
    restarted = log.rindex("Connected to redis://")
    wait_for(
        lambda: "Sending due task flag-stale-milestones" in stack.worker.output()[restarted:],
        "the beat's next tick after the outage",
    )

    # The cache is used again once Redis answers (within DegradingRedisCache.retry_after).
    wait_for(
        lambda: client.get("/").status_code == 200 and pages_in(stack.redis),
        "public pages to be cached again",
    )
    assert any(r.getMessage().startswith("cache available again") for r in caplog.records)

    # Both stop cleanly on SIGTERM, as `make run` and `make serve` stop them.
    assert stack.relay.stop() == 0
    assert "Outbox relay stopped" in stack.relay.output()
    assert stack.worker.stop() == 0
