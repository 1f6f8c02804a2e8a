"""The write API's bulk endpoints: many items in one request, each atomic with its own
version, a result and status per item; 200 when all were written, 207 when some were not, 400
(nothing written) for a malformed request."""

import json

import pytest

from commitments import permissions, services
from commitments.models import Milestone, StatusUpdate, Verification
from panel import bulk
from states.models import State
from tests.panel.conftest import membership, user
from tests.panel.test_api_write import token_for

pytestmark = pytest.mark.django_db

STATUS_URL = "/api/v1/milestones/bulk/status/"
VERIFY_URL = "/api/v1/milestones/bulk/verification/"


def post(client, url, body, who):
    return client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token_for(who)}",
    )


@pytest.fixture(autouse=True)
def _any_official_of_guanajuato_reports(demo):
    # Enough unfinished milestones for one official (the scope has its own tests).
    State.objects.filter(slug="guanajuato").update(any_official_may_report=True)


def mine(count):
    return list(
        permissions.workable_milestones(user("oficial.guanajuato"))
        .exclude(status=Milestone.Status.COMPLETED)
        .order_by("pk")[:count]
    )


def item(m, **kw):
    return {"id": m.pk, "version": m.version, "status": "in_progress", "progress": 50,
            "note": "Avance", **kw}  # fmt: skip


def test_every_item_written_is_a_200(client, demo):
    first, second = mine(2)
    response = post(
        client, STATUS_URL, {"items": [item(first, progress=41), item(second, progress=42)]},
        "oficial.guanajuato",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] == 2 and body["failed"] == 0
    assert [r["outcome"] for r in body["results"]] == ["applied", "applied"]
    for m, progress, r in zip((first, second), (41, 42), body["results"], strict=True):
        m.refresh_from_db()
        assert m.progress == progress and r["version"] == m.version


def test_partial_success_is_a_207_with_a_result_per_item(client, demo, now):
    first, stale, bad = mine(3)
    outside = Milestone.objects.filter(commitment__ogp_id="MXNLE9001").first()
    old_version = stale.version
    services.report_status(
        milestone=stale, membership=membership("oficial.guanajuato"), base_version=old_version,
        status="in_progress", progress=33, note="Antes", now=now,
    )  # fmt: skip
    before_bad = StatusUpdate.objects.filter(milestone=bad).count()
    response = post(
        client,
        STATUS_URL,
        {
            "items": [
                item(first, progress=44),
                item(stale, version=old_version, progress=45),
                item(bad, progress=100),  # 100 % is completed: refused by the rules
                item(outside),
                {"id": 999999, "version": 1},
            ]
        },
        "oficial.guanajuato",
    )
    assert response.status_code == 207
    results = response.json()["results"]
    assert [(r["outcome"], r["status"]) for r in results] == [
        ("applied", 200), ("conflict", 409), ("invalid", 400), ("forbidden", 403),
        ("not_found", 404),
    ]  # fmt: skip
    assert results[1]["current_version"] == old_version + 1
    assert results[1]["newer"][0]["summary"] == "Antes"
    assert "progress" in results[2]["errors"]
    first.refresh_from_db()
    stale.refresh_from_db()
    assert first.progress == 44 and stale.progress == 33
    assert StatusUpdate.objects.filter(milestone=bad).count() == before_bad


def test_a_report_that_changes_nothing_is_a_check(client, demo):
    m = mine(1)[0]
    body = {"items": [item(m, status=m.status, progress=m.progress, note="Sin cambios")]}
    response = post(client, STATUS_URL, body, "oficial.guanajuato")
    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "checked"


@pytest.mark.parametrize(
    "body",
    [[], {}, {"items": []}, {"items": "x"}, {"items": [1, 2]}, {"items": [{"version": 1}]},
     {"items": [{"id": 1}] * (bulk.MAX_ROWS + 1)}],
)  # fmt: skip
def test_a_malformed_request_is_a_400_and_writes_nothing(client, demo, body):
    before = StatusUpdate.objects.count()
    response = post(client, STATUS_URL, body, "oficial.guanajuato")
    assert response.status_code == 400
    assert "items" in response.json()["fields"]
    assert StatusUpdate.objects.count() == before


def test_bulk_verification_by_civil_society(client, demo):
    candidates = [
        m
        for m in permissions.workable_milestones(user("osc.guanajuato")).exclude(
            status=Milestone.Status.NOT_STARTED
        )
        if not m.is_disputed
    ][:2]
    body = {
        "items": [
            {"id": candidates[0].pk, "version": candidates[0].version, "result": "verified"},
            {"id": candidates[1].pk, "version": candidates[1].version, "result": "disputed"},
        ]
    }
    response = post(client, VERIFY_URL, body, "osc.guanajuato")
    assert response.status_code == 207
    results = response.json()["results"]
    assert results[0]["outcome"] == "applied"
    assert results[1]["outcome"] == "invalid" and "reason" in results[1]["errors"]
    assert Verification.objects.filter(milestone=candidates[0]).latest("id").result == "verified"
    # An official may not verify: forbidden per item.
    response = post(client, VERIFY_URL, body, "oficial.guanajuato")
    assert {r["outcome"] for r in response.json()["results"]} == {"forbidden"}


def test_bulk_needs_a_token(client, demo):
    response = client.post(STATUS_URL, json.dumps({"items": []}), content_type="application/json")
    assert response.status_code in (401, 403)


def test_the_schema_documents_the_bulk_endpoints_and_their_statuses(client, demo):
    from api.write import _BULK_DOC

    assert f"Up to {bulk.MAX_ROWS} items" in _BULK_DOC
    schema = json.loads(client.get("/api/schema/", {"format": "json", "lang": "en"}).content)
    for path in (STATUS_URL, VERIFY_URL):
        operation = schema["paths"][path]["post"]
        assert {"200", "207"} <= set(operation["responses"])
        assert "207 (Multi-Status)" in operation["description"]
