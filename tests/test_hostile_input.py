"""Input from outside that used to answer 500 (issue 14): a bad Host header, NUL characters in
URL parameters and cookies, JSON with lone surrogates or 100,000 levels of nesting, and UTC
offsets PostgreSQL does not take. Each gets a 4xx with a clear message, nothing written, and
no ERROR (nor any traceback) in the log."""

import datetime as dt
import json
import logging

import pytest

from commitments.models import HistoryEntry, Milestone, StatusUpdate
from tests.panel.conftest import milestone
from tests.panel.test_api_write import status_body, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def assert_quiet(log):
    """Nothing at ERROR or above, and no traceback at any level."""
    loud = [(r.name, r.levelname, r.getMessage()[:80]) for r in log.records if r.levelno >= 40]
    assert loud == []
    assert [r.name for r in log.records if r.exc_info] == []


@pytest.fixture
def production(settings, client):
    """DEBUG off, as `make serve` runs; the test client reports a 500 instead of raising."""
    settings.DEBUG = False
    client.raise_request_exception = False
    return client


# Host header ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/", "no responde por el host"),
        ("/en/", "does not answer for the host"),
        ("/estados/guanajuato/", "no responde por el host"),
        ("/panel/", "no responde por el host"),
    ],
)
def test_a_bad_host_is_a_400_with_one_warning(production, demo, log, path, words):
    response = production.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert words in response.content.decode()
    assert_quiet(log)
    warnings = [r for r in log.records if r.name == "ogptracker.security"]
    assert len(warnings) == 1 and "'evil.example'" in warnings[0].getMessage()


def test_a_bad_host_on_the_api_is_a_json_400(production, demo, log):
    response = production.get("/api/v1/states/", HTTP_HOST="evil.example:80@x")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_host"
    assert_quiet(log)


def test_a_bad_host_is_refused_before_the_https_redirect(production, demo, log, settings):
    # SecurityMiddleware reads the host to redirect to https: it must not see a bad one.
    settings.SECURE_SSL_REDIRECT = True
    assert production.get("/", HTTP_HOST="evil.example").status_code == 400
    assert production.get("/", secure=True).status_code == 200
    assert_quiet(log)


# NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/compromisos/MXGTO%009001/",
        "/en/compromisos/MX%00/",
        "/compromisos/MX%00/feed/",
        "/estados/gua%00najuato/",
        "/seguir/compromiso/MX%00/",
        "/seguir/confirmar/abc%00def/",
        "/avisos/baja/abc%00def/",
        "/cuenta/invitacion/abc%00/",
        "/api/v1/states/guanajuato%00/",
        "/api/v1/commitments/MX%00/",
        "/datos/hitos%00.csv",
    ],
)
def test_a_nul_in_a_url_parameter_is_a_404(production, demo, log, path):
    method = production.post if "/seguir/compromiso" in path else production.get
    response = method(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json()["code"] == "not_found"
    assert_quiet(log)


def test_the_404_of_a_nul_speaks_the_pages_language(production, demo):
    assert "Page not found" in production.get("/en/compromisos/MX%00/").content.decode()
    assert "Página no encontrada" in production.get("/compromisos/MX%00/").content.decode()


def test_a_session_cookie_with_a_nul_is_ignored(production, demo, log):
    production.cookies["sessionid"] = "abcdefghij\x00klmnop"
    response = production.get("/panel/")
    assert response.status_code == 302  # to the sign-in page, as any visitor without a session
    assert "/cuenta/entrar/" in response["Location"]
    assert_quiet(log)


# JSON bodies -----------------------------------------------------------------------------


@pytest.fixture
def gto_api(demo):
    m = milestone("MXGTO9004", 2)
    return m, {"HTTP_AUTHORIZATION": f"Token {token_for('oficial.guanajuato')}"}


def written(m):
    return (
        Milestone.objects.get(pk=m.pk).version,
        StatusUpdate.objects.filter(milestone=m).count(),
        HistoryEntry.objects.filter(milestone=m).count(),
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("lone surrogate", "no es Unicode válido"),
        ("[" * 100_000 + "]" * 100_000, "más de 32 niveles"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "más de 32 niveles"),
        ('{"version": 1, "note": ' + "[" * 40 + "]" * 40 + "}", "más de 32 niveles"),
    ],
)
def test_json_the_api_cannot_store_is_a_400(production, gto_api, log, body, words):
    m, headers = gto_api
    if body == "lone surrogate":
        body = json.dumps(status_body(m)).replace('"Avance"', '"\\ud800 avance"')
    before = written(m)
    response = production.post(
        f"/api/v1/milestones/{m.pk}/status/", body, content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert words in response.json()["message"]
    assert written(m) == before
    assert_quiet(log)


def test_a_surrogate_pair_is_text_and_is_kept(production, gto_api):
    m, headers = gto_api
    body = json.dumps(status_body(m, note="Avance \U0001f44d"))  # "\ud83d\udc4d": valid
    response = production.post(
        f"/api/v1/milestones/{m.pk}/status/", body, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    assert StatusUpdate.objects.filter(milestone=m).latest("created_at").note == "Avance 👍"


# ?since= ---------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", ["+16:00", "+23:59", "-16:30"])
def test_since_takes_any_offset_python_does(production, demo, log, offset):
    at = "2025-03-01T00:00:00"
    response = production.get("/api/v1/history/", {"since": at + offset})
    assert response.status_code == 200
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = (int(x) for x in offset[1:].split(":"))
    utc = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC) - sign * dt.timedelta(
        hours=hours, minutes=minutes
    )
    expected = StatusUpdate.objects.filter(
        created_at__gte=utc, milestone__commitment__action_plan__state__is_active=True
    ).count()
    assert response.json()["count"] == expected
    assert_quiet(log)


@pytest.mark.parametrize(
    "since", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2025-01-01T00:00+24:00"]
)
def test_since_beyond_what_python_counts_in_utc_is_a_400(production, demo, log, since):
    response = production.get("/api/v1/history/", {"since": since})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["since"]
    assert_quiet(log)
