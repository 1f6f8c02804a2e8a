"""The write API: tokens, the three write endpoints, the same rules and messages as the panel,
the permission matrix through the API, and JSON errors (never a 500) for malformed input."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ApiToken
from commitments.models import Evidence, HistoryEntry, Milestone, Verification
from tests.panel.conftest import PDF_BYTES, milestone, user

pytestmark = pytest.mark.django_db

PEOPLE = {
    "anonymous": None,
    "cso_here": "osc.guanajuato",
    "cso_elsewhere": "osc.nuevoleon",
    "official_here": "oficial.guanajuato",
    "official_elsewhere": "oficial.nuevoleon",
    "admin": "admin",
}


def token_for(username):
    return ApiToken.issue(user=user(username), name="integración")[1]


def post(client, url, data=None, *, who=None, fmt="json", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(who)}"} if who else {}
    if fmt == "json":
        return client.post(
            url, json.dumps(data or {}), content_type="application/json", **headers, **extra
        )
    return client.post(url, data or {}, **headers, **extra)


def snapshot(m):
    m = Milestone.objects.get(pk=m.pk)
    return (
        m.status,
        m.progress,
        m.version,
        Evidence.objects.filter(milestone=m).count(),
        Verification.objects.filter(milestone=m).count(),
        HistoryEntry.objects.filter(milestone=m).count(),
    )


def status_body(m, **kw):
    return {"version": m.version, "status": "in_progress", "progress": 90, "note": "Avance", **kw}


# Tokens ---------------------------------------------------------------------------------


def test_tokens_are_created_in_the_panel_shown_once_and_stored_hashed(client, demo):
    client.force_login(user("oficial.guanajuato"))
    response = client.post("/panel/tokens/", {"name": "Sistema estatal"})
    key = response.context["created"]
    assert key.startswith("ogpt_")
    token = ApiToken.objects.get(name="Sistema estatal")
    assert token.key_hash == ApiToken.hash(key) != key
    assert key not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert key not in client.get("/panel/tokens/").content.decode()


def test_the_token_page_is_never_cached(client, demo):
    # It shows a new token once, in clear: no browser cache, proxy or back button keeps it.
    client.force_login(user("oficial.guanajuato"))
    created = client.post("/panel/tokens/", {"name": "Sistema estatal"})
    assert created.context["created"].startswith("ogpt_")
    for response in (created, client.get("/panel/tokens/")):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives


def test_revoked_token_no_longer_works(client, gto):
    key = token_for("oficial.guanajuato")
    url = f"/api/v1/milestones/{gto.pk}/status/"
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    client.force_login(user("oficial.guanajuato"))
    token = ApiToken.objects.get(key_hash=ApiToken.hash(key))
    client.post(f"/panel/tokens/{token.pk}/revocar/")
    client.logout()
    response = client.post(url, status_body(gto), content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_token_cannot_be_revoked_by_someone_else(client, demo):
    key = token_for("oficial.guanajuato")
    token = ApiToken.objects.get(key_hash=ApiToken.hash(key))
    client.force_login(user("osc.guanajuato"))
    assert client.post(f"/panel/tokens/{token.pk}/revocar/").status_code == 404
    assert ApiToken.objects.active().filter(pk=token.pk).exists()


# The three endpoints ------------------------------------------------------------------


def test_official_reports_status_through_the_api(client, gto):
    response = post(
        client, f"/api/v1/milestones/{gto.pk}/status/", status_body(gto), who="oficial.guanajuato"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["progress"] == 90
    assert response.json()["version"] == gto.version + 1
    entry = HistoryEntry.objects.filter(milestone=gto).latest("created_at")
    assert entry.author.username == "oficial.guanajuato"


def test_same_rule_and_message_as_the_panel(client, gto):
    body = status_body(gto, status="completed", progress=100)
    response = post(client, f"/api/v1/milestones/{gto.pk}/status/", body, who="oficial.guanajuato")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert "evidencia" in error["fields"]["status"][0]
    client.force_login(user("oficial.guanajuato"))
    panel = client.post(
        f"/panel/hitos/{gto.pk}/estatus/",
        {f"status-{k}": v for k, v in body.items()},
    )
    assert error["fields"]["status"][0] in panel.content.decode()


def test_second_editor_with_an_older_version_is_refused(client, gto):
    first = post(
        client,
        f"/api/v1/milestones/{gto.pk}/status/",
        status_body(gto, note="Primera"),
        who="oficial.guanajuato",
    )
    assert first.status_code == 200
    second = post(
        client,
        f"/api/v1/milestones/{gto.pk}/status/",
        status_body(gto, progress=10, note="Segunda"),
        who="oficial.guanajuato",
    )
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "stale_version"
    assert body["current_version"] == gto.version + 1
    assert body["newer"][0]["summary"] == "Primera"
    assert Milestone.objects.get(pk=gto.pk).progress == 90


def test_link_and_file_evidence(client, gto):
    link = post(
        client,
        f"/api/v1/milestones/{gto.pk}/evidence/",
        {"title": "Minuta", "url": "https://www.guanajuato.gob.mx/minuta"},
        who="osc.guanajuato",
    )
    assert link.status_code == 201, link.json()
    assert link.json()["organisation"] == "Colores del Rincón"
    upload = SimpleUploadedFile("acta.pdf", PDF_BYTES, content_type="application/pdf")
    file = post(
        client,
        f"/api/v1/milestones/{gto.pk}/evidence/",
        {"title": "Acta", "file": upload},
        who="oficial.guanajuato",
        fmt="multipart",
    )
    assert file.status_code == 201, file.json()
    assert len(file.json()["sha256"]) == 64
    assert file.json()["download_url"].endswith("/archivo/")


def test_link_and_file_evidence_each_in_its_own_media_type(client, gto):
    base = f"/api/v1/milestones/{gto.pk}/evidence"
    link = {"title": "Minuta", "url": "https://www.guanajuato.gob.mx/minuta"}
    assert post(client, f"{base}/link/", link, who="osc.guanajuato").status_code == 201
    upload = SimpleUploadedFile("acta.pdf", PDF_BYTES, content_type="application/pdf")
    file = post(
        client, f"{base}/file/", {"title": "Acta", "file": upload}, who="osc.guanajuato",
        fmt="multipart",
    )  # fmt: skip
    assert file.status_code == 201, file.json()
    assert sorted(Evidence.objects.filter(milestone=gto).values_list("title", flat=True)) == [
        "Acta",
        "Minuta",
    ]
    # Each takes its one media type, and the field it is for.
    before = snapshot(gto)
    wrong_type = post(client, f"{base}/link/", link, who="osc.guanajuato", fmt="multipart")
    assert wrong_type.status_code == 415
    assert wrong_type.json()["code"] == "unsupported_media_type"
    assert post(client, f"{base}/file/", link, who="osc.guanajuato").status_code == 415
    no_file = post(client, f"{base}/file/", {"title": "Acta"}, who="osc.guanajuato", fmt="form")
    assert no_file.status_code == 400
    assert "file" in no_file.json()["fields"]
    no_url = post(client, f"{base}/link/", {"title": "Minuta"}, who="osc.guanajuato")
    assert "url" in no_url.json()["fields"]
    assert snapshot(gto) == before


def test_the_json_writes_take_json_only(client, gto):
    response = post(
        client, f"/api/v1/milestones/{gto.pk}/status/", status_body(gto), who="oficial.guanajuato",
        fmt="multipart",
    )  # fmt: skip
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_html_renamed_pdf_is_refused_through_the_api_too(client, gto):
    upload = SimpleUploadedFile("informe.pdf", b"<!doctype html><script>alert(1)</script>")
    response = post(
        client,
        f"/api/v1/milestones/{gto.pk}/evidence/",
        {"title": "Informe", "file": upload},
        who="oficial.guanajuato",
        fmt="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    assert not Evidence.objects.filter(milestone=gto).exists()


def test_oversized_file_is_refused(client, gto, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    upload = SimpleUploadedFile("grande.pdf", PDF_BYTES + b"0" * 4096)
    response = post(
        client,
        f"/api/v1/milestones/{gto.pk}/evidence/",
        {"title": "Grande", "file": upload},
        who="oficial.guanajuato",
        fmt="multipart",
    )
    assert response.status_code == 400
    assert "máximo" in response.json()["fields"]["file"][0]
    assert not Evidence.objects.filter(milestone=gto).exists()


def test_dispute_needs_a_reason(client, gto):
    url = f"/api/v1/milestones/{gto.pk}/verification/"
    refused = post(
        client, url, {"version": gto.version, "result": "disputed"}, who="osc.guanajuato"
    )
    assert refused.status_code == 400
    assert "reason" in refused.json()["fields"]
    ok = post(
        client,
        url,
        {"version": gto.version, "result": "disputed", "reason": "No hay minuta"},
        who="osc.guanajuato",
    )
    assert ok.status_code == 200
    assert Verification.objects.get(milestone=gto).reason == "No hay minuta"


def test_messages_in_the_requested_language(client, gto):
    response = post(
        client,
        f"/api/v1/milestones/{gto.pk}/verification/",
        {"version": gto.version, "result": "disputed"},
        who="osc.guanajuato",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["message"] == "Some fields are not valid."
    assert response.json()["fields"]["reason"] == ["Say why you dispute the reported status."]


# Permission matrix through the API ----------------------------------------------------

ALLOWED = {
    "status": {"official_here"},
    "evidence": {"official_here", "cso_here"},
    "verification": {"cso_here"},
}


def body_for(endpoint, m):
    if endpoint == "status":
        return status_body(m)
    if endpoint == "evidence":
        return {"title": "Liga", "url": "https://example.org/x"}
    return {"version": m.version, "result": "verified"}


@pytest.mark.parametrize("endpoint", ["status", "evidence", "verification"])
@pytest.mark.parametrize("person", list(PEOPLE))
def test_permission_matrix(client, gto, endpoint, person):
    before = snapshot(gto)
    response = post(
        client,
        f"/api/v1/milestones/{gto.pk}/{endpoint}/",
        body_for(endpoint, gto),
        who=PEOPLE[person],
    )
    if person in ALLOWED[endpoint]:
        assert response.status_code in (200, 201), response.json()
        assert snapshot(gto) != before
    else:
        expected = 401 if person == "anonymous" else 403
        assert response.status_code == expected, response.content
        assert response.json()["code"] in ("not_authenticated", "permission_denied")
        assert snapshot(gto) == before


# Malformed input: JSON errors, never a 500 ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        (
            '{"version": "tres", "status": "in_progress", "progress": 50, "note": "x"}',
            "application/json",
            400,
        ),
        (
            '{"version": 1, "status": "hecho", "progress": 500, "note": "x"}',
            "application/json",
            400,
        ),
        ('["a list"]', "application/json", 400),
        ("<xml/>", "application/xml", 415),
    ],
)
def test_malformed_input_gets_a_json_error(client, gto, body, content_type, status):
    key = token_for("oficial.guanajuato")
    response = client.post(
        f"/api/v1/milestones/{gto.pk}/status/",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == status
    assert set(response.json()) >= {"code", "message"}


def test_unknown_milestone_is_a_json_404(client, demo):
    response = post(client, "/api/v1/milestones/999999/status/", {}, who="oficial.guanajuato")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_nuevo_leon_milestone_via_api_refused_for_guanajuato_official(client, demo):
    m = milestone("MXNLE9001", 3)
    response = post(
        client, f"/api/v1/milestones/{m.pk}/status/", status_body(m), who="oficial.guanajuato"
    )
    assert response.status_code == 403
