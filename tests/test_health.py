"""/healthz/ for load balancers, and the production settings passing Django's deploy check."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from ops.models import Heartbeat
from ops.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_healthy_when_the_beat_has_just_run(client):
    beat_heartbeat()
    response = client.get("/healthz/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert body["checks"]["beat"]["age_seconds"] < 5
    assert "no-cache" in response["Cache-Control"]


def test_a_stale_beat_degrades_but_keeps_serving(client, settings):
    Heartbeat.objects.create(
        name="beat", at=timezone.now() - dt.timedelta(seconds=3 * settings.BEAT_HEARTBEAT_SECONDS)
    )
    response = client.get("/healthz/")
    assert (response.status_code, response.json()["status"]) == (200, "degraded")
    assert response.json()["checks"]["beat"]["error"].startswith("the beat last ran")
    # Monitoring asks for strictness: anything wrong is a 503.
    assert client.get("/healthz/?strict=1").status_code == 503


def test_beat_schedule_includes_the_heartbeat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]
    assert entry["task"] == "ops.beat_heartbeat"
    assert entry["schedule"] == settings.BEAT_HEARTBEAT_SECONDS


@pytest.mark.process
def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-" + "k" * 40,
        "ALLOWED_HOSTS": "ogp.example.org",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_task_has_a_soft_limit_below_its_hard_limit():
    # Celery refuses to send a task whose soft limit exceeds its hard one (the beat logs it
    # and the task never runs): the global soft limit must not outgrow a task's own limit.
    from ogptracker.celery import app

    app.loader.import_default_modules()
    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert ours
    for task in ours:
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft is None or hard is None or soft <= hard, task.name
