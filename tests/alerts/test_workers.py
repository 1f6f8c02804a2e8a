"""End to end on real Celery workers: the stale job flags, transitions are claimed, digests are
emailed. Only the mail server is replaced (Django's outbox, or files in a folder)."""

import os
import signal
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection

from alerts.models import Notification
from commitments.models import Milestone, Transition
from ogptracker.celery import app as celery_app
from tests.processes import emails_in, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


def everything_notified():
    transitions = Transition.objects.all()
    return transitions.exists() and not transitions.filter(notified_at=None).exists()


def test_stale_job_to_digest_on_a_worker_over_redis(redis_url, demo_unwatched):
    if redis_url != settings.CELERY_BROKER_URL:
        pytest.fail("the test process was started without REDIS_URL in its settings")
    from alerts.tasks import send_digests
    from commitments.tasks import flag_stale_milestones

    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # nothing left over from another run
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        flag_stale_milestones.delay()
        # The stale job queues alerts.process_transitions when it commits.
        wait_for(everything_notified, "the worker to flag milestones and claim the transitions")
        assert Milestone.objects.filter(signal="red").exists()
        assert Notification.objects.filter(kind="red", sent_at=None).exists()
        send_digests.delay()
        wait_for(lambda: len(mail.outbox) >= 4, "one digest per demo member")
        wait_for(lambda: not Notification.objects.filter(sent_at=None).exists(), "all sent")
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == len(by_recipient) == 4
    nl = by_recipient["osc.nuevoleon@example.org"]
    assert "Hitos que se pusieron en rojo" in nl.body
    assert "MXNLE0001.4 Informe final de resultados" in nl.body


def worker_env(tmp_path, **extra):
    """The environment of a worker process on the test's own database (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test (PostgreSQL)")
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/"
            f"{db['NAME']}",
            "VAR_DIR": str(tmp_path),
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "DEBUG": "true",
            **extra,
        }
    )
    return env


def celery(*args):
    return [sys.executable, "-m", "celery", "-A", "ogptracker", *args]


def call(task, env):
    subprocess.run(celery("call", task), cwd=ROOT, env=env, check=True, capture_output=True)


@contextmanager
def worker_with_beat(tmp_path, env):
    """`celery worker --beat` as `make run` starts it; yields the process, returns its output."""
    name = f"alerts-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    worker = subprocess.Popen(
        celery(
            "worker",
            "--beat",
            "-P",
            "solo",
            "-l",
            "INFO",
            "-n",
            name,
            "-s",
            str(tmp_path / "beat-schedule"),
        ),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        yield worker, output
    finally:
        worker.send_signal(signal.SIGTERM)
        output.append(worker.communicate(timeout=60)[0])


def test_stale_job_to_digest_on_the_filesystem_broker(tmp_path, demo_unwatched):
    """A worker process with beat on the embedded broker, as `make run` starts it."""
    env = worker_env(tmp_path)
    with worker_with_beat(tmp_path, env) as (worker, output):
        call("commitments.flag_stale_milestones", env)
        wait_for(everything_notified, "the worker to flag milestones and claim the transitions")
        assert worker.poll() is None
        call("alerts.send_digests", env)
        wait_for(lambda: not Notification.objects.filter(sent_at=None).exists(), "all sent")
    assert "filesystem://" in output[0]
    assert "beat: Starting" in output[0]
    messages = emails_in(tmp_path / "mail")
    recipients = sorted(m["To"] for m in messages)
    assert recipients == [
        "oficial.guanajuato@example.org",
        "oficial.nuevoleon@example.org",
        "osc.guanajuato@example.org",
        "osc.nuevoleon@example.org",
    ]
    nl = next(m for m in messages if m["To"] == "osc.nuevoleon@example.org")
    text = next(p for p in nl.walk() if p.get_content_type() == "text/plain")
    assert "Hitos que se pusieron en rojo" in text.get_payload(decode=True).decode()
    assert nl["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/avisos/baja/")


def test_the_beat_runs_the_stale_check_on_redis(tmp_path, redis_url, demo_unwatched):
    """Nobody calls a task: the beat's schedule (every 2 s here) runs the stale check, and
    its commit queues the notices, all through Redis."""
    env = worker_env(tmp_path, REDIS_URL=redis_url, STALE_CHECK_SECONDS="2")
    celery_app.control.purge()
    with worker_with_beat(tmp_path, env) as (worker, output):
        wait_for(everything_notified, "the beat to run the stale check and the notices")
        assert worker.poll() is None
    celery_app.control.purge()  # the beat's later sends, for no other test to receive
    assert "redis://" in output[0]
    assert (
        "Sending due task flag-stale-milestones (commitments.flag_stale_milestones)" in (output[0])
    )
    assert Milestone.objects.filter(signal="red").exists()
    assert Notification.objects.filter(kind="red", user__username="osc.nuevoleon").exists()
