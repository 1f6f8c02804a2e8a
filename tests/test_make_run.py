"""`make run` started twice keeps what a person did in the first run (bin/run, for real)."""

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .processes import free_port, wait_for

pytestmark = pytest.mark.process
ROOT = Path(__file__).resolve().parent.parent

REPORT = """
from django.utils import timezone
from commitments import services
from commitments.models import Milestone
from states.models import Membership
guide = Milestone.objects.get(commitment__ogp_id="MXGTO9004", number=2)
services.report_status(
    milestone=guide, base_version=guide.version, status="in_progress", progress=95,
    membership=Membership.objects.get(user__username="oficial.guanajuato"),
    note="Casi lista", now=timezone.now(),
)
"""
READ = """
from commitments.models import Milestone
guide = Milestone.objects.get(commitment__ogp_id="MXGTO9004", number=2)
print("progress", guide.progress, "version", guide.version)
"""


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own server)
            return response.status == 200
    except OSError:
        return False


def run_once(env, then):
    """Starts bin/run, waits for the site to answer, runs `then`, stops it with Ctrl-C."""
    url = f"http://127.0.0.1:{env['PORT']}/"
    process = subprocess.Popen(
        ["bin/run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: answers(url) or process.poll() is not None, "bin/run to serve", 90)
        assert process.poll() is None, process.stdout.read()
        return then()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output = process.communicate(timeout=60)[0]
        assert process.returncode == 0, output


def test_make_run_twice_keeps_a_persons_change(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "SITE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(VAR_DIR=str(tmp_path / "var"), PORT=str(free_port()), HOST="127.0.0.1")

    def manage(code):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run_once(env, lambda: manage(REPORT))
    assert "progress 95 version 2" in run_once(env, lambda: manage(READ))
