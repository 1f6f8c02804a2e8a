"""The Celery worker (with beat) and the cache run on the embedded defaults and on Redis."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARS = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "VAR_DIR"}


def worker_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update({"VAR_DIR": str(tmp_path), "DEBUG": "true", **extra})
    return env


def celery(*args):
    return [sys.executable, "-m", "celery", "-A", "ogptracker", *args]


def run_worker_and_ping(tmp_path, env):
    """Starts `celery worker --beat` as `make run` does, waits for it to answer a ping."""
    name = f"test-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    schedule = str(tmp_path / "beat-schedule")
    worker = subprocess.Popen(
        celery("worker", "--beat", "-P", "solo", "-l", "INFO", "-n", name, "-s", schedule),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        answered = False
        while time.monotonic() < deadline and not answered:
            assert worker.poll() is None, worker.stdout.read()
            ping = subprocess.run(
                celery("inspect", "ping", "--timeout", "2", "--destination", name),
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            answered = ping.returncode == 0 and "pong" in ping.stdout
        assert answered, "the worker never answered a ping"
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert "beat: Starting" in output
    return output


def test_worker_and_beat_on_the_filesystem_broker(tmp_path):
    output = run_worker_and_ping(tmp_path, worker_env(tmp_path))
    assert "filesystem://" in output
    assert (tmp_path / "celery" / "queue").is_dir()


def test_worker_and_beat_on_redis(tmp_path, redis_url):
    output = run_worker_and_ping(tmp_path, worker_env(tmp_path, REDIS_URL=redis_url))
    assert "redis://" in output


def test_cache_is_redis_when_configured(redis_url):
    import redis

    if redis_url != settings.REDIS_URL:
        pytest.fail("the test process was started without REDIS_URL in its settings")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"probe-{uuid.uuid4().hex}"
    cache.set(key, {"estado": "Nuevo León"}, timeout=30)
    assert cache.get(key) == {"estado": "Nuevo León"}
    # The value really lives in Redis, under the project's key prefix.
    assert redis.Redis.from_url(redis_url).exists(f"ogptracker:1:{key}") == 1
    cache.delete(key)
