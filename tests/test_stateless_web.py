"""Web processes keep no state of their own: a login made on one is valid on another."""

import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


def web_process(stack, env):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "ogptracker.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stack.callback(process.wait, 30)
    stack.callback(process.terminate)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/ping/", timeout=5)
            return url
        except requests.RequestException:
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def test_a_login_on_one_web_process_is_valid_on_another(demo, tmp_path, django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("two web processes need a database they share with the test (PostgreSQL)")
    # The servers hash with the production hasher, not the fast one these tests use.
    official = django_user_model.objects.get(username="oficial.guanajuato")
    official.password = PBKDF2PasswordHasher().encode("dos-servidores-2026", "sal-de-prueba")
    official.save()
    db = connection.settings_dict
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "true",
        "SECRET_KEY": "shared-between-web-processes-" + "s" * 40,
        "VAR_DIR": str(tmp_path),
    }
    with ExitStack() as stack:
        first, second = web_process(stack, env), web_process(stack, env)
        browser = requests.Session()
        login = browser.get(first + "/cuenta/entrar/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        signed_in = browser.post(
            first + "/cuenta/entrar/",
            data={
                "csrfmiddlewaretoken": token,
                "username": "oficial.guanajuato",
                "password": "dos-servidores-2026",
            },
            headers={"Referer": first + "/cuenta/entrar/"},
            allow_redirects=False,
            timeout=10,
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        assert "sessionid" in browser.cookies
        # The same cookie, sent to the other process.
        panel = browser.get(second + "/panel/", allow_redirects=False, timeout=10)
        assert panel.status_code == 200
        assert "oficial.guanajuato" in panel.text or "Ana" in panel.text
        anonymous = requests.get(second + "/panel/", allow_redirects=False, timeout=10)
        assert anonymous.status_code == 302
