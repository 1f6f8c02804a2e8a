"""Logs in production: one JSON object per line, a request id carried from the web request into
the Celery task it queues, and no password, token or session id in any line.

The end-to-end test runs the production web server (gunicorn, DEBUG off) and a Celery worker
as real processes and reads everything they print while people sign in, reset a password,
accept an invitation, write through the API and follow a commitment.
"""

import json
import os
import re
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken
from ops.logs import redact_path, scrub
from states.models import Organisation, State
from tests.panel.conftest import milestone, user
from tests.processes import emails_in, free_port, text_of, wait_for

ROOT = Path(__file__).resolve().parent.parent

# Unit ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("login failed password=hunter2-2026 for ana", "hunter2-2026"),
        ('{"password": "hunter2-2026"}', "hunter2-2026"),
        (
            "Authorization: Token 4kq8n2m9x7v1c3b5z6l0p9o8i7u6y5t4",
            "4kq8n2m9x7v1c3b5z6l0p9o8i7u6y5t4",
        ),
        ("Cookie: sessionid=abc123sessionvalue; csrftoken=xyz987", "abc123sessionvalue"),
        ("Cookie: sessionid=abc123sessionvalue; csrftoken=xyz987csrf", "xyz987csrf"),
        ("csrfmiddlewaretoken=QWERTYUIOP&username=ana", "QWERTYUIOP"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "eyJhbGciOiJIUzI1NiJ9"),
    ],
)
def test_scrub_blanks_credentials(text, secret):
    assert secret not in scrub(text)
    assert "[redacted]" in scrub(text)


def test_scrub_leaves_ordinary_text_alone():
    text = "GET /estados/guanajuato/?q=transparencia 200 (12 ms)"
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/seguir/confirmar/AbC-123_xyz/", "/seguir/confirmar/[redacted]/"),
        ("/en/avisos/baja/AbC-123_xyz/", "/en/avisos/baja/[redacted]/"),
        ("/cuenta/invitacion/tok3n/", "/cuenta/invitacion/[redacted]/"),
        (
            "/cuenta/contrasena/nueva/MQ/cz1x2-abc123/",
            "/cuenta/contrasena/nueva/[redacted]/[redacted]/",
        ),
        # No URL pattern matches, but a segment this long is a token anyway.
        ("/no/existe/" + "x" * 40 + "/", "/no/existe/[redacted]/"),
        ("/estados/guanajuato/", "/estados/guanajuato/"),
        ("/compromisos/MXGTO0001/", "/compromisos/MXGTO0001/"),
    ],
)
def test_redact_path(path, expected):
    assert redact_path(path) == expected


def test_a_request_gets_an_id_or_keeps_a_plain_one_from_the_proxy(client, db):
    made = client.get("/ping/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/ping/")["X-Request-ID"] != made
    assert client.get("/ping/", HTTP_X_REQUEST_ID="lb-1234-abcd")["X-Request-ID"] == "lb-1234-abcd"
    # Anything else from outside is replaced, not written into our logs.
    odd = client.get("/ping/", HTTP_X_REQUEST_ID='x" injected\n{"level": "ERROR"}')
    assert re.fullmatch(r"[0-9a-f]{32}", odd["X-Request-ID"])


# End to end ------------------------------------------------------------------------------

PASSWORD = "contrasena-de-registro-2026"
NEW_PASSWORD = "otra-contrasena-muy-larga-2026"
INVITEE_PASSWORD = "clave-de-invitada-2026-xyz"


def csrf_post(session, url, data, referer):
    page = session.get(referer, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        url,
        data={"csrfmiddlewaretoken": token, **data},
        headers={"Referer": referer},
        allow_redirects=False,
        timeout=10,
    )


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_production_logs_are_json_carry_the_request_id_and_hold_no_secret(
    demo, tmp_path, redis_url
):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the web and worker processes need a database shared with the test (PostgreSQL)"
        )
    secrets = {PASSWORD, NEW_PASSWORD, INVITEE_PASSWORD}
    official = user("oficial.guanajuato")
    official.password = PBKDF2PasswordHasher().encode(PASSWORD, "sal-de-registro")
    official.save()
    api_token = ApiToken.issue(user=official, name="registro")[1]
    secrets.add(api_token)
    _invitation, link = account_services.invite(
        email="invitada@example.org",
        state=State.objects.get(slug="guanajuato"),
        organisation=Organisation.objects.get(name="Kybernus Guanajuato"),
        role="cso",
        invited_by=None,
        now=timezone.now(),
    )
    invitation_token = link.rstrip("/").rsplit("/", 1)[1]
    secrets.add(invitation_token)

    db = connection.settings_dict
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secret_key = "clave-secreta-de-registro-" + "k" * 40
    secrets.add(secret_key)
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_FORMAT"}
        },
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "VAR_DIR": str(tmp_path),
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "ogptracker", "purge", "-f"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    with ExitStack() as stack:
        web_err = stack.enter_context(web_log.open("w"))
        worker_err = stack.enter_context(worker_log.open("w"))
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ogptracker.wsgi",
                "-c",
                "python:ogptracker.gunicorn_conf",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=web_err,
        )
        stack.callback(web.wait, 30)
        stack.callback(web.terminate)
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ogptracker",
                "worker",
                "-P",
                "solo",
                "-l",
                "INFO",
                "-n",
                f"logs-{port}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=worker_err,
        )
        stack.callback(worker.wait, 30)
        stack.callback(worker.terminate)

        def web_is_up():
            assert web.poll() is None, web_log.read_text()
            try:
                return requests.get(base + "/ping/", timeout=5).ok
            except requests.RequestException:
                return False

        wait_for(web_is_up, "gunicorn to start")

        # An official signs in (after one wrong password) and looks at the panel.
        browser = requests.Session()
        login = base + "/cuenta/entrar/"
        wrong = csrf_post(
            browser, login, {"username": official.username, "password": "x" + PASSWORD}, login
        )
        assert wrong.status_code == 200
        signed_in = csrf_post(
            browser, login, {"username": official.username, "password": PASSWORD}, login
        )
        assert signed_in.status_code == 302, signed_in.text[:300]
        assert browser.get(base + "/panel/", timeout=10).status_code == 200
        secrets.add(browser.cookies["sessionid"])
        secrets.add(browser.cookies["csrftoken"])

        # The write API, with a personal token.
        target = milestone("MXGTO9004", 2)
        written = requests.post(
            f"{base}/api/v1/milestones/{target.pk}/status/",
            json={
                "version": target.version,
                "status": "in_progress",
                "progress": 55,
                "note": "Avance",
            },
            headers={"Authorization": f"Token {api_token}"},
            timeout=10,
        )
        assert written.status_code == 200, written.text

        # A password reset, by the emailed link.
        reset_page = base + "/cuenta/contrasena/olvide/"
        assert (
            csrf_post(browser, reset_page, {"email": official.email}, reset_page).status_code == 302
        )
        wait_for(lambda: emails_in(tmp_path / "mail"), "the reset email")
        reset_link = re.search(
            r"(/cuenta/contrasena/nueva/\S+/\S+/)", text_of(emails_in(tmp_path / "mail")[0])
        ).group(1)
        secrets.update(reset_link.strip("/").split("/")[-2:])
        anonymous = requests.Session()
        set_password = anonymous.get(base + reset_link, timeout=10)
        assert set_password.url.endswith("/set-password/")
        changed = csrf_post(
            anonymous,
            set_password.url,
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            set_password.url,
        )
        assert changed.status_code == 302, changed.text[:300]

        # An invitation accepted.
        invitation_url = base + "/cuenta/invitacion/" + invitation_token + "/"
        accepted = csrf_post(
            requests.Session(),
            invitation_url,
            {"username": "invitada", "password1": INVITEE_PASSWORD, "password2": INVITEE_PASSWORD},
            invitation_url,
        )
        assert accepted.status_code == 302, accepted.text[:300]

        # A citizen follows a commitment: the request queues the confirmation email's task.
        followed = requests.post(
            base + "/seguir/compromiso/MXNLE0001/", data={"email": "vecino@example.org"}, timeout=10
        )
        assert followed.status_code in {200, 302}
        follow_request_id = followed.headers["X-Request-ID"]
        wait_for(
            lambda: any(m["To"] == "vecino@example.org" for m in emails_in(tmp_path / "mail")),
            "the worker to send the confirmation email",
        )
        confirmation = next(
            m for m in emails_in(tmp_path / "mail") if m["To"] == "vecino@example.org"
        )
        confirm_path = re.search(r"(/seguir/confirmar/\S+/)", text_of(confirmation)).group(1)
        secrets.add(confirm_path.strip("/").split("/")[-1])
        confirm_url = base + confirm_path
        assert csrf_post(requests.Session(), confirm_url, {}, confirm_url).status_code == 200

    records = []
    for path in (web_log, worker_log):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"{path.name}: not a JSON line: {line!r}")
    everything = web_log.read_text() + worker_log.read_text()
    for secret in secrets:
        assert secret not in everything, f"a secret ({secret[:4]}...) is in the logs"

    requests_logged = [r for r in records if r.get("logger") == "ogptracker.request"]
    assert {r["path"] for r in requests_logged} >= {
        "/cuenta/entrar/",
        "/panel/",
        f"/api/v1/milestones/{target.pk}/status/",
        "/cuenta/invitacion/[redacted]/",
        "/seguir/confirmar/[redacted]/",
    }
    assert all(r["request_id"] and r["level"] and r["timestamp"] for r in requests_logged)
    # The worker's lines about the confirmation task name the request that queued it.
    task_lines = [r for r in records if r.get("task_name") == "alerts.send_follow_confirmation"]
    assert task_lines, "the worker logged nothing about the confirmation task"
    assert {r["request_id"] for r in task_lines} == {follow_request_id}
