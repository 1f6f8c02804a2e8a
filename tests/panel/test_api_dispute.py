"""The right of reply through the write API: the same permission matrix as the panel (wrong
role, wrong organisation, another state, anonymous, a revoked token), the same messages, the
version check, JSON errors, the answer a client gets, and the schema that documents it."""

import json

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from commitments.models import Dispute, DisputeMessage, HistoryEntry
from tests import disputes as d

from .conftest import user
from .test_dispute_replies import OFFICIALS_WHO_ANSWER, PEOPLE, dispute_in, snapshot, version

pytestmark = pytest.mark.django_db

# endpoint -> (the dispute's state it acts on, body, who may act)
ENDPOINTS = {
    "answer": ("open", {"text": "El padrón está publicado en el anexo 3"}, OFFICIALS_WHO_ANSWER),
    "withdraw": ("open", {}, {"cso_disputing"}),
    "maintain": ("answered", {"text": "El anexo 3 no contiene el padrón"}, {"cso_disputing"}),
}


@pytest.fixture
def case(demo):
    m = d.milestone()
    d.people(m)
    return m


def token_for(username):
    return ApiToken.issue(user=user(username), name="integración")[1]


def post(client, m, endpoint, body, *, key=None, language="es"):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client.post(
        f"/api/v1/milestones/{m.pk}/dispute/{endpoint}/",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_reply_matrix_through_the_api(client, case, endpoint, person):
    state, body, allowed = ENDPOINTS[endpoint]
    dispute_in(case, state, timezone.now())
    key = token_for(PEOPLE[person]) if PEOPLE[person] else None
    before = snapshot(case)

    response = post(client, case, endpoint, {**body, "version": version(case)}, key=key)

    after = snapshot(case)
    if person in allowed:
        assert response.status_code == 200, response.json()
        expected = {"answer": "answered", "withdraw": "withdrawn", "maintain": "maintained"}
        assert response.json()["state"] == after["state"] == expected[endpoint]
        assert after["messages"] == before["messages"] + 1
    else:
        expected_code = 401 if person == "anonymous" else 403
        assert response.status_code == expected_code
        assert set(response.json()) >= {"code", "message"}
        assert after == before


def test_a_revoked_token_is_refused(client, case):
    dispute_in(case, "open", timezone.now())
    key = token_for("oficial.guanajuato")
    ApiToken.objects.filter(key_hash=ApiToken.hash(key)).update(revoked_at=timezone.now())
    before = snapshot(case)
    response = post(client, case, "answer", {"version": version(case), "text": "x"}, key=key)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert snapshot(case) == before


def test_the_answer_is_the_thread_with_organisations_only(client, case):
    dispute_in(case, "open", timezone.now())
    response = post(
        client,
        case,
        "answer",
        {"version": version(case), "text": "Ver anexo 3"},
        key=token_for("oficial.apaseo"),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["milestone"] == case.pk
    assert body["milestone_version"] == version(case)
    assert body["organisation"] == "Colores del Rincón"
    assert [(m["kind"], m["organisation"]) for m in body["messages"]] == [
        ("reason", "Colores del Rincón"),
        ("answer", d.SUPPORTER),
    ]
    assert body["messages"][1]["text"] == "Ver anexo 3"
    # No person: neither names nor usernames.
    text = json.dumps(body)
    for name in ("Beatriz", "Rosa", "osc.guanajuato", "oficial.apaseo"):
        assert name not in text
    entry = HistoryEntry.objects.filter(milestone=case).latest("created_at")
    assert (entry.action, entry.author.username) == ("dispute_answered", "oficial.apaseo")


def test_same_rules_and_messages_as_the_panel(client, case):
    dispute_in(case, "open", timezone.now())
    key = token_for("osc.guanajuato")
    # Maintaining an open dispute: not a step it can take before an answer.
    early = post(client, case, "maintain", {"version": version(case), "text": "No"}, key=key)
    assert early.status_code == 400
    assert early.json()["code"] == "invalid"
    assert early.json()["fields"] == {
        "non_field_errors": ["Esta disputa no admite ese paso ahora."]
    }
    d.answer(Dispute.objects.get(milestone=case), now=timezone.now())
    empty = post(client, case, "maintain", {"version": version(case), "text": " "}, key=key)
    assert empty.status_code == 400
    message = empty.json()["fields"]["text"][0]
    assert message == "Di por qué la respuesta no resuelve la disputa."
    client.force_login(user("osc.guanajuato"))
    panel = client.post(
        f"/panel/hitos/{case.pk}/disputa/mantener/",
        {"close-version": version(case), "close-text": " "},
    )
    assert message in panel.content.decode()
    english = post(
        client, case, "maintain", {"version": version(case)}, key=key, language="en"
    ).json()
    assert english["fields"]["text"] == ["Say why the answer does not settle the dispute."]


def test_missing_or_bad_fields_are_json_errors(client, case):
    dispute_in(case, "open", timezone.now())
    key = token_for("oficial.guanajuato")
    before = snapshot(case)
    no_version = post(client, case, "answer", {"text": "x"}, key=key)
    assert no_version.status_code == 400
    assert "version" in no_version.json()["fields"]
    too_long = post(client, case, "answer", {"version": version(case), "text": "x" * 4001}, key=key)
    assert too_long.status_code == 400
    assert "text" in too_long.json()["fields"]
    listed = client.post(
        f"/api/v1/milestones/{case.pk}/dispute/answer/",
        "[1, 2]",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert listed.status_code == 400
    assert snapshot(case) == before


def test_a_reply_on_an_older_version_is_a_conflict(client, case):
    from commitments import services

    now = timezone.now()
    dispute_in(case, "open", now)
    seen = version(case)
    services.report_status(
        milestone=case, membership=d.membership("oficial.guanajuato"), base_version=seen,
        status="in_progress", progress=70, note="Nuevo avance", now=now,
    )  # fmt: skip
    before = snapshot(case)
    response = post(
        client,
        case,
        "answer",
        {"version": seen, "text": "Tarde"},
        key=token_for("oficial.guanajuato"),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version"
    assert body["current_version"] == seen + 1
    assert body["newer"][0]["summary"] == "Nuevo avance"
    assert snapshot(case) == before


def test_no_dispute_and_no_milestone_are_404(client, case):
    key = token_for("oficial.guanajuato")
    never = post(client, case, "answer", {"version": version(case), "text": "x"}, key=key)
    assert never.status_code == 404
    assert never.json()["code"] == "not_found"
    missing = client.post(
        "/api/v1/milestones/999999/dispute/answer/",
        json.dumps({"version": 1, "text": "x"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert missing.status_code == 404
    assert not DisputeMessage.objects.filter(kind="answer", dispute__milestone=case).exists()


def test_the_schema_documents_the_three_replies(client, demo):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for endpoint, required in (
        ("answer", {"version", "text"}),
        ("withdraw", {"version"}),
        ("maintain", {"version", "text"}),
    ):
        operation = schema["paths"][f"/api/v1/milestones/{{id}}/dispute/{endpoint}/"]["post"]
        assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"])
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(body["required"]) == required
        assert "ApiToken" in json.dumps(operation["security"])
    dispute = schema["components"]["schemas"]["Dispute"]
    assert {"state", "organisation", "messages", "milestone_version"} <= set(dispute["properties"])
