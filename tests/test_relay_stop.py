"""The outbox relay stops on SIGTERM or Ctrl-C however the signals come.

`bin/run` sends Ctrl-C to the process group and then SIGTERM, so the relay can get two
signals close together. Its handler used to set a `threading.Event`; a second signal landing
while the first handler was inside `set()` deadlocked it on the event's lock, and `make run`
hung at Ctrl-C with an orphaned relay left behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import wait_for

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


def relay_env(var_dir):
    env = {**os.environ, "VAR_DIR": str(var_dir), "LOG_LEVEL": "INFO"}
    # The relay of a newcomer's `make run`: SQLite and the filesystem broker in var_dir.
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("relay")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=relay_env(var_dir),
        check=True,
        timeout=120,
    )
    return var_dir


def start_relay(var_dir, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "relay_outbox", "--interval", "30"],
        cwd=ROOT,
        env=relay_env(var_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_a_burst_of_interrupts_and_terminations_stops_the_relay_cleanly(migrated, tmp_path):
    log_path = tmp_path / "relay.log"
    for attempt in range(4):
        with log_path.open("w") as log:
            relay = start_relay(migrated, log)
        try:
            wait_for(lambda: "Outbox relay started" in log_path.read_text(), "the relay to start")
            for n in range(400):
                try:
                    relay.send_signal(signal.SIGINT if n % 2 else signal.SIGTERM)
                except ProcessLookupError:
                    break
                time.sleep(0.0005)
            # Waiting 30 s between looks, it must notice at once, not at the next look.
            assert relay.wait(timeout=10) == 0, log_path.read_text()
        finally:
            if relay.poll() is None:
                relay.kill()
                relay.wait()
        assert "Outbox relay stopped" in log_path.read_text(), f"attempt {attempt}"


def test_a_waiting_relay_stops_within_a_moment_of_sigterm(migrated, tmp_path):
    log_path = tmp_path / "relay.log"
    with log_path.open("w") as log:
        relay = start_relay(migrated, log)
    try:
        wait_for(lambda: "Outbox relay started" in log_path.read_text(), "the relay to start")
        started = time.monotonic()
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=10) == 0, log_path.read_text()
        # Not a timing assertion of speed: the relay waits 30 s between looks, so stopping
        # before the next look shows the wait was interrupted rather than run out.
        assert time.monotonic() - started < 10
    finally:
        if relay.poll() is None:
            relay.kill()
            relay.wait()
    assert "Outbox relay stopped" in log_path.read_text()
