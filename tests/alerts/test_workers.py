"""End to end on real Celery workers: the stale job flags, transitions are claimed, digests are
emailed. Only the mail server is replaced (Django's outbox, or files in a folder)."""

import email
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection

from alerts.models import Notification
from commitments.models import Milestone, Transition
from ogptracker.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def everything_notified():
    transitions = Transition.objects.all()
    return transitions.exists() and not transitions.filter(notified_at=None).exists()


def test_stale_job_to_digest_on_a_worker_over_redis(redis_url, demo):
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


def test_stale_job_to_digest_on_the_filesystem_broker(tmp_path, demo):
    """A worker process with beat on the embedded broker, as `make run` starts it."""
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
        }
    )

    def celery(*args):
        return [sys.executable, "-m", "celery", "-A", "ogptracker", *args]

    name = f"alerts-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    worker = subprocess.Popen(
        celery("worker", "--beat", "-P", "solo", "-l", "INFO", "-n", name),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        subprocess.run(
            celery("call", "commitments.flag_stale_milestones"),
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        wait_for(everything_notified, "the worker to flag milestones and claim the transitions")
        assert worker.poll() is None
        subprocess.run(
            celery("call", "alerts.send_digests"),
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        wait_for(lambda: not Notification.objects.filter(sent_at=None).exists(), "all sent")
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert "filesystem://" in output
    assert "beat: Starting" in output
    messages = [
        email.message_from_bytes(part)
        for path in sorted((tmp_path / "mail").iterdir())
        for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")
        if part.strip()
    ]
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
