"""Helpers of the tests that run the site's real processes (gunicorn, Celery workers) and read
what they send: free ports, waiting for a condition, emails written by the file backend."""

import email
import os
import socket
import time

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra):
    """The environment for a server of someone else's (redis-server) that a test starts: ours
    without libfaketime, under which Redis cannot start (it recurses into clock_gettime), so
    the suite can be run as `faketime '+400 days' make test` to prove it reads no date of the
    machine's. The server's own clock does not matter to what the test checks."""
    env = {**os.environ, **extra}
    for name in ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "DYLD_INSERT_LIBRARIES"):
        env.pop(name, None)
    return env


def wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def emails_in(folder):
    """The messages Django's file-based email backend wrote into the folder (none yet: [])."""
    if not folder.exists():
        return []
    return [
        email.message_from_bytes(part)
        for path in sorted(folder.iterdir())
        for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")
        if part.strip()
    ]


def text_of(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()
