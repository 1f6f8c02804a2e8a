"""The public read API: contract, filters, constant queries, schema, CORS and rate limit."""

import datetime as dt
import hashlib

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import AnonRateThrottle

from commitments import services
from commitments.models import Commitment, Evidence, Milestone
from tests.bulk import multiply_demo
from tests.clock import NOW, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def lit(demo_unwatched):
    services.flag_stale_milestones(now=NOW)


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.content[:500])
    return response.json()


def ids(data):
    return {row["ogp_id"] for row in data["results"]}


def test_api_root_lists_every_resource(client, lit):
    data = get(client, "/api/v1/")
    assert set(data) == {
        "states",
        "action-plans",
        "commitments",
        "milestones",
        "evidence",
        "history",
    }


def test_states(client, lit):
    data = get(client, "/api/v1/states/")
    assert [s["slug"] for s in data["results"]] == ["guanajuato", "nuevo-leon"]
    gto = get(client, "/api/v1/states/guanajuato/")
    assert gto["inegi_code"] == "11"
    assert gto["transparency_body"] == "Secretaría de la Honestidad"
    assert gto["stale_after_days"] == 180
    assert gto["url"] == "http://testserver/estados/guanajuato/"


def test_commitment_detail_contract(client, lit):
    c = get(client, "/api/v1/commitments/MXNLE0001/")
    assert c["state"] == "nuevo-leon"
    assert c["title"] == "Participación a través de la innovación con datos abiertos – dataLABNL"
    assert c["lead_institution"]["name"] == "Secretaría de Participación Ciudadana"
    assert {o["name"] for o in c["supporting_institutions"]} == {
        "Cómo Vamos Nuevo León",
        "Universidad Autónoma de Nuevo León",
    }
    assert c["ogp_values"] == {
        "access_to_information": True,
        "civic_participation": True,
        "public_accountability": False,
        "technology_and_innovation": True,
    }
    assert c["irm"]["potential_for_results"] == "modest"
    assert (c["milestone_count"], c["completed_count"], c["signal"]) == (4, 2, "red")
    assert c["url"] == "http://testserver/compromisos/MXNLE0001/"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"state": "nuevo-leon", "overdue_or_stale": "true"},
            {"MXNLE0001", "MXNLE0002", "MXSPG0003", "MXMTY0005", "MXNLE9002"},
        ),  # noqa: E501
        ({"state": "guanajuato", "status": "completed"}, {"MXGTO9002"}),
        (
            {"ogp_value": "technology_and_innovation", "state": "nuevo-leon"},
            {"MXNLE0001", "MXMTY0005", "MXNLE9002"},
        ),  # noqa: E501
        ({"theme": "Presupuesto abierto"}, {"MXNLE9001"}),
        ({"search": "busqueda desaparecidas"}, {"MXGTO9003"}),
        ({"search": "APASEO"}, {"MXGTO9005"}),
    ],
)
def test_commitment_filters_match_the_public_pages(client, lit, params, expected):
    assert ids(get(client, "/api/v1/commitments/", **params)) == expected


def test_ordering_and_pagination(client, lit):
    data = get(client, "/api/v1/commitments/", ordering="-ogp_id", page_size=3)
    assert data["count"] == Commitment.objects.count()
    assert [r["ogp_id"] for r in data["results"]] == sorted(
        Commitment.objects.values_list("ogp_id", flat=True), reverse=True
    )[:3]
    assert "page=2" in data["next"]


def test_milestones_with_light_and_transitions(client, lit):
    data = get(client, "/api/v1/milestones/", commitment="MXNLE0001", signal="red")
    assert [m["number"] for m in data["results"]] == [3, 4]
    last = data["results"][1]
    assert [(t["old_signal"], t["new_signal"]) for t in last["transitions"]] == [("green", "red")]
    assert last["transitions"][0]["happened_at"].startswith("2024-07-01T00:00:00")


def test_evidence_metadata_and_download(client, lit):
    data = get(client, "/api/v1/evidence/", commitment="MXGTO9003")
    files = [e for e in data["results"] if e["sha256"]]
    assert len(files) == 1
    item = files[0]
    assert item["organisation"] == "Comisión Estatal de Búsqueda de Personas de Guanajuato"
    response = client.get(item["download_url"])
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == item["sha256"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    link = next(e for e in data["results"] if not e["sha256"])
    assert link["download_url"] is None


def test_history(client, lit):
    data = get(client, "/api/v1/history/", commitment="MXGTO9003")
    moved = [h for h in data["results"] if h["old_due_on"]]
    assert [(h["old_due_on"], h["new_due_on"]) for h in moved] == [
        (day(dt.date(2026, 7, 31)).isoformat(), day(dt.date(2026, 9, 30)).isoformat())
    ]


def test_inactive_states_are_not_published(client, lit):
    from states.models import State

    gto = State.objects.get(slug="guanajuato")
    gto.is_active = False
    gto.save()
    assert client.get("/api/v1/states/guanajuato/").status_code == 404
    assert not any(i.startswith("MXGTO") for i in ids(get(client, "/api/v1/commitments/")))
    assert client.get("/api/v1/commitments/MXGTO9003/").status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/commitments/", "/api/v1/milestones/", "/api/v1/evidence/", "/api/v1/history/"]
)
def test_a_page_of_100_costs_no_more_queries_than_a_page_of_10(client, lit, url):
    multiply_demo(10)

    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            data = get(client, url, page_size=size)
        assert len(data["results"]) == size
        return len(captured)

    assert queries(100) == queries(10)


def test_openapi_schema_and_docs(client, lit):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/commitments/" in schema["paths"]
    assert "/api/v1/evidence/{id}/" in schema["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_schema_names_are_english_and_the_same_in_every_language(client, db):
    def schema(language):
        response = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE=language)
        return yaml.safe_load(response.content)

    spanish, english = schema("es-MX"), schema("en")
    assert spanish["components"]["schemas"].keys() == english["components"]["schemas"].keys()
    enums = sorted(n for n, c in spanish["components"]["schemas"].items() if "enum" in c)
    # Generated clients name their classes after these: renaming one breaks their users.
    assert enums == [
        "ActionPlanStatusEnum", "BulkOutcomeEnum", "CauseEnum", "DisputeMessageKindEnum",
        "DisputeStateEnum",
        "DuePrecisionEnum", "EvidenceKindEnum", "LightReasonEnum", "MemberKindEnum",
        "MilestoneStatusEnum",
        "OgpValueEnum", "OrganisationKindEnum", "ResultEnum", "SignalEnum",
        "VerificationStatusEnum",
    ]  # fmt: skip
    milestones = spanish["paths"]["/api/v1/milestones/"]["get"]["parameters"]
    signal = next(p for p in milestones if p["name"] == "signal")
    assert signal["schema"] == {"$ref": "#/components/schemas/SignalEnum"}
    stale = spanish["paths"]["/api/v1/milestones/{id}/status/"]["post"]["responses"]["409"]
    schema_409 = stale["content"]["application/json"]["schema"]
    assert schema_409 == {"$ref": "#/components/schemas/StaleVersionError"}
    file_body = spanish["paths"]["/api/v1/milestones/{id}/evidence/file/"]["post"]["requestBody"]
    [(media_type, body)] = file_body["content"].items()
    assert media_type == "multipart/form-data"
    component = body["schema"]["$ref"].rsplit("/", 1)[1]
    fields = spanish["components"]["schemas"][component]["properties"]
    assert fields["file"] == {"type": "string", "format": "binary"}


def test_cross_origin_get_is_allowed(client, lit):
    response = client.get("/api/v1/states/", HTTP_ORIGIN="https://periodico.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    response = client.get("/datos/hitos.csv", HTTP_ORIGIN="https://periodico.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    for path in ("/datos/datapackage.json", "/en/datos/catalogo.jsonld"):
        response = client.get(path, HTTP_ORIGIN="https://portal.example")
        assert response["Access-Control-Allow-Origin"] == "*"


def test_rate_limit_per_client_address(client, lit, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    for _ in range(3):
        assert client.get("/api/v1/states/", REMOTE_ADDR="203.0.113.7").status_code == 200
    refused = client.get("/api/v1/states/", REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another address has its own allowance.
    assert client.get("/api/v1/states/", REMOTE_ADDR="198.51.100.9").status_code == 200


def test_unknown_filter_value_is_a_400_with_a_message(client, lit):
    response = client.get("/api/v1/commitments/", {"status": "bogus"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "status" in response.json()["fields"]


def test_milestone_counts_in_api_match_the_database(client, lit):
    data = get(client, "/api/v1/milestones/", page_size=100)
    assert data["count"] == Milestone.objects.count()
    assert get(client, "/api/v1/evidence/")["count"] == Evidence.objects.count()


def test_action_plans(client, lit):
    data = get(client, "/api/v1/action-plans/", state="nuevo-leon")
    # The name this filter had before every list used `state` still works.
    assert get(client, "/api/v1/action-plans/", state__slug="nuevo-leon") == data
    assert get(client, "/api/v1/action-plans/", state="guanajuato")["results"] != data["results"]
    plans = {p["number"]: p for p in data["results"]}
    assert set(plans) == {1, 2}
    assert plans[1]["title"] == "Plan de Acción Local de Nuevo León 2022-2024"
    assert (plans[1]["starts_on"], plans[1]["ends_on"], plans[1]["status"]) == (
        "2023-01-01",
        "2024-06-30",
        "finished",
    )
    assert plans[1]["state"] == "nuevo-leon"
    detail = get(client, f"/api/v1/action-plans/{plans[2]['id']}/")
    assert detail["status"] == "implementation"
    only_finished = get(client, "/api/v1/action-plans/", status="finished")
    assert {p["status"] for p in only_finished["results"]} == {"finished"}
