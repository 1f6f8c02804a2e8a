"""The defensible light in the open data: the API's milestone and the downloads carry its
version, lateness (against the date in force and the original one), reason, verification,
moved dates and disputes; reschedules and disputes have downloads of their own. Only
organisations are named, never people."""

import csv
import datetime as dt
import io
import json

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import services
from commitments.models import Dispute, Milestone
from states.models import Membership, Organisation
from tests import factories as f
from tests.clock import NOW, TODAY

pytestmark = pytest.mark.django_db


def on(days):
    return TODAY + dt.timedelta(days=days)


def fresh(milestone):
    return Milestone.objects.get(pk=milestone.pk)


@pytest.fixture
def world(empty_db, django_user_model):
    state = f.state(name="Estado Abierto", slug="estado-abierto")
    lead = f.organisation(state, name="Secretaría de Obras Abiertas")
    cso = f.organisation(state, kind=Organisation.Kind.CSO, name="Colectivo Vigía")
    commitment = f.commitment(f.action_plan(state), lead, ogp_id="MXTST0777")

    def member(username, organisation, role, first, last):
        user = django_user_model.objects.create_user(
            username, email=f"{username}@example.org", password="x",
            first_name=first, last_name=last,
        )  # fmt: skip
        return Membership.objects.create(
            user=user, state=state, organisation=organisation, role=role
        )

    official = member("funcionaria", lead, Membership.Role.OFFICIAL, "Rosaura", "Quintanilla")
    civil = member("activista", cso, Membership.Role.CSO, "Eleuterio", "Zamacona")

    # 1: due 100 days ago, moved after falling due to 62 days ago, then completed today.
    late = f.milestone(
        commitment, number=1, starts_on=on(-200), due_on=on(-100), now=NOW - dt.timedelta(200)
    )
    services.reschedule_milestone(
        milestone=late, due_on=on(-62), now=NOW - dt.timedelta(days=90),
        actor=official.user, organisation=lead,
    )  # fmt: skip
    services.add_link_evidence(
        milestone=late, membership=official, url="https://example.gob.mx/entrega",
        title="Acta de entrega", now=NOW,
    )  # fmt: skip
    services.report_status(
        milestone=late, membership=official, base_version=fresh(late).version,
        status="completed", progress=100, now=NOW,
    )  # fmt: skip
    # 2: a reported status the civil society disputed, and the government's answer.
    disputed = f.milestone(commitment, number=2, starts_on=on(-10), due_on=on(200))
    services.report_status(
        milestone=disputed, membership=official, base_version=fresh(disputed).version,
        status="in_progress", progress=80, now=NOW,
    )  # fmt: skip
    services.record_verification(
        milestone=disputed, membership=civil, base_version=fresh(disputed).version,
        result="disputed", reason="No hay evidencia del 80 %", now=NOW,
    )  # fmt: skip
    services.answer_dispute(
        dispute=Dispute.objects.get(milestone=disputed), membership=official,
        text="Ver el anexo técnico", now=NOW + dt.timedelta(hours=2),
    )  # fmt: skip
    # 3: no due date; 4: overdue and open; 5: known only to the month.
    f.milestone(commitment, number=3, starts_on=on(-10), due_on=None)
    f.milestone(commitment, number=4, starts_on=on(-100), due_on=on(-10))
    f.milestone(
        commitment, number=5, starts_on=on(-10), due_on=dt.date(2099, 3, 31), due_precision="month"
    )
    return {"state": state, "commitment": commitment, "official": official, "civil": civil}


PEOPLE = ("Rosaura", "Quintanilla", "Eleuterio", "Zamacona", "funcionaria", "activista")


def assert_names_no_person(text):
    for word in PEOPLE:
        assert word not in text, word


def api_milestones(client):
    response = client.get("/api/v1/milestones/", {"commitment": "MXTST0777"})
    assert response.status_code == 200
    assert_names_no_person(response.content.decode())
    return {m["number"]: m for m in response.json()["results"]}


def test_the_api_milestone_carries_version_lateness_reason_and_verification(client, world):
    ms = api_milestones(client)
    late = ms[1]
    assert late["version"] == fresh(Milestone.objects.get(pk=late["id"])).version
    assert (late["signal"], late["light_reason"], late["verification_status"]) == (
        "green", "completed_late", "unverified",
    )  # fmt: skip
    # 62 days late against the moved date, 100 against the plan as first published.
    assert (late["days_late"], late["days_late_original"]) == (62, 100)
    assert (late["due_on"], late["original_due_on"]) == (on(-62).isoformat(), on(-100).isoformat())
    assert (late["reschedule_count"], late["days_moved"]) == (1, 38)
    [move] = late["reschedules"]
    assert move == {
        "old_due_on": on(-100).isoformat(), "old_precision": "day",
        "new_due_on": on(-62).isoformat(), "new_precision": "day", "days_moved": 38,
        "after_due": True, "organisation": "Secretaría de Obras Abiertas",
        "created_at": move["created_at"], "note": move["note"],
    }  # fmt: skip
    assert move["created_at"].startswith((NOW - dt.timedelta(days=90)).date().isoformat())

    disputed = ms[2]
    assert (disputed["verification_status"], disputed["days_late"]) == ("disputed", None)
    [thread] = disputed["disputes"]
    assert (thread["state"], thread["organisation"]) == ("answered", "Colectivo Vigía")
    assert thread["answered_at"] is not None and thread["closed_at"] is None
    assert [(m["kind"], m["organisation"], m["text"]) for m in thread["messages"]] == [
        ("reason", "Colectivo Vigía", "No hay evidencia del 80 %"),
        ("answer", "Secretaría de Obras Abiertas", "Ver el anexo técnico"),
    ]

    undated = ms[3]
    assert (undated["due_on"], undated["signal"], undated["light_reason"]) == (
        None, "yellow", "undated",
    )  # fmt: skip
    assert (undated["days_late"], undated["days_late_original"], undated["days_moved"]) == (
        None, None, None,
    )  # fmt: skip
    overdue = ms[4]
    assert (overdue["signal"], overdue["light_reason"]) == ("red", "overdue")
    assert (overdue["days_late"], overdue["days_late_original"]) == (10, 10)
    assert (overdue["reschedule_count"], overdue["days_moved"], overdue["reschedules"]) == (
        0, 0, [],
    )  # fmt: skip
    month = ms[5]
    assert (month["due_precision"], month["due_on"]) == ("month", "2099-03-31")


def test_a_date_moved_into_the_future_keeps_its_lateness_against_the_plan(client, world):
    m = Milestone.objects.get(commitment=world["commitment"], number=4)
    services.reschedule_milestone(
        milestone=m, due_on=on(90), now=NOW, actor=world["official"].user,
        organisation=world["official"].organisation,
    )  # fmt: skip
    moved = api_milestones(client)[4]
    assert (moved["signal"], moved["days_late"], moved["days_late_original"]) == ("green", None, 10)
    assert moved["reschedules"][0]["after_due"] is True
    assert moved["days_moved"] == 100


def test_the_api_filters_by_reason_and_verification(client, world):
    def numbers(**params):
        data = client.get("/api/v1/milestones/", {"commitment": "MXTST0777", **params}).json()
        return [m["number"] for m in data["results"]]

    assert numbers(verification_status="disputed") == [2]
    assert numbers(light_reason="completed_late") == [1]
    assert numbers(light_reason="undated") == [3]
    assert client.get("/api/v1/milestones/", {"light_reason": "late"}).status_code == 400


def test_the_schema_documents_every_code(client, world):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    assert components["LightReasonEnum"]["enum"] == [
        "on_track", "due_soon", "quiet", "overdue", "stale", "undated", "completed",
        "completed_late",
    ]  # fmt: skip
    assert components["VerificationStatusEnum"]["enum"] == ["unverified", "verified", "disputed"]
    assert components["DuePrecisionEnum"]["enum"] == ["day", "month"]
    assert components["DisputeStateEnum"]["enum"] == [
        "open", "answered", "withdrawn", "maintained", "superseded",
    ]  # fmt: skip
    assert components["DisputeMessageKindEnum"]["enum"] == [
        "reason", "answer", "withdrawal", "rejoinder", "superseded",
    ]  # fmt: skip
    fields = components["Milestone"]["properties"]
    for name in ("version", "days_late", "days_late_original", "reschedules", "disputes"):
        assert fields[name].get("description") or fields[name].get("items"), name
    assert fields["due_on"]["nullable"] is True
    assert fields["days_late"]["nullable"] is True
    assert "completed_late" in fields["light_reason"]["description"]


def test_the_milestone_list_costs_the_same_queries_with_more_threads(client, world):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/milestones/", {"page_size": 100}).status_code == 200
        return len(captured)

    before = queries()
    for n in range(6, 11):
        m = f.milestone(world["commitment"], number=n, starts_on=on(-300), due_on=on(-200))
        services.reschedule_milestone(milestone=m, due_on=on(-150), now=NOW)
        services.report_status(
            milestone=m, membership=world["official"], base_version=fresh(m).version,
            status="in_progress", progress=50, now=NOW,
        )  # fmt: skip
        services.record_verification(
            milestone=m, membership=world["civil"], base_version=fresh(m).version,
            result="disputed", reason="No", now=NOW,
        )  # fmt: skip
        services.answer_dispute(
            dispute=Dispute.objects.get(milestone=m), membership=world["official"],
            text="Sí", now=NOW,
        )  # fmt: skip
    assert queries() == before


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    text = b"".join(response.streaming_content).decode("utf-8")
    assert_names_no_person(text)
    return response, text


def read_csv(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_milestone_download_carries_the_same_counts(client, world):
    _, text = download(client, "/datos/estado-abierto/hitos.csv")
    rows = {r["number"]: r for r in read_csv(text)}
    late = rows["1"]
    assert (late["light_reason"], late["verification_status"], late["due_precision"]) == (
        "completed_late", "unverified", "day",
    )  # fmt: skip
    assert (late["days_late"], late["days_late_original"]) == ("62", "100")
    assert (late["reschedules"], late["days_moved"]) == ("1", "38")
    assert rows["2"]["verification_status"] == "disputed"
    assert (rows["3"]["due_on"], rows["3"]["light_reason"], rows["3"]["days_late"]) == (
        "", "undated", "",
    )  # fmt: skip
    assert (rows["4"]["days_late"], rows["4"]["reschedules"], rows["4"]["days_moved"]) == (
        "10", "0", "0",
    )  # fmt: skip
    assert rows["5"]["due_precision"] == "month"
    # The JSON has the same values, typed.
    _, as_json = download(client, "/datos/estado-abierto/hitos.json")
    late = next(r for r in json.loads(as_json) if r["number"] == 1)
    assert (late["days_late"], late["days_late_original"], late["reschedules"]) == (62, 100, 1)
    assert late["days_moved"] == 38
    # And the same as the API's.
    api = api_milestones(client)
    for row in json.loads(as_json):
        mine = api[row["number"]]
        for name in ("days_late", "days_late_original", "light_reason", "verification_status",
                     "due_precision", "days_moved"):  # fmt: skip
            assert row[name] == mine[name], (row["number"], name)
        assert row["reschedules"] == mine["reschedule_count"]


def test_the_reschedules_download(client, world):
    response, text = download(client, "/datos/estado-abierto/reprogramaciones.csv")
    assert (
        'filename="ogp-tracker-reprogramaciones-estado-abierto.csv"'
        in (response["Content-Disposition"])
    )
    [row] = read_csv(text)
    assert (row["ogp_id"], row["milestone_number"], row["reschedule_number"]) == (
        "MXTST0777", "1", "1",
    )  # fmt: skip
    assert (row["old_due_on"], row["new_due_on"], row["days_moved"], row["after_due"]) == (
        on(-100).isoformat(), on(-62).isoformat(), "38", "true",
    )  # fmt: skip
    assert row["organisation"] == "Secretaría de Obras Abiertas"
    assert row["milestone_id"] == str(Milestone.objects.get(number=1).pk)
    assert row["url"] == "http://testserver/compromisos/MXTST0777/hitos/1/"
    # A second move of the same milestone is its number 2; nationally too.
    m = Milestone.objects.get(number=1)
    services.reschedule_milestone(milestone=m, due_on=on(-50), now=NOW)
    _, as_json = download(client, "/datos/reprogramaciones.json")
    rows = [r for r in json.loads(as_json) if r["ogp_id"] == "MXTST0777"]
    assert [(r["reschedule_number"], r["days_moved"], r["organisation"]) for r in rows] == [
        (1, 38, "Secretaría de Obras Abiertas"), (2, 12, ""),
    ]  # fmt: skip


def test_the_disputes_download(client, world):
    _, text = download(client, "/datos/estado-abierto/disputas.csv")
    rows = read_csv(text)
    assert [(r["message_number"], r["message_kind"], r["message_organisation"]) for r in rows] == [
        ("1", "reason", "Colectivo Vigía"), ("2", "answer", "Secretaría de Obras Abiertas"),
    ]  # fmt: skip
    for row in rows:
        assert (row["ogp_id"], row["milestone_number"], row["dispute_state"]) == (
            "MXTST0777", "2", "answered",
        )  # fmt: skip
        assert row["disputed_by"] == "Colectivo Vigía"
        assert row["closed_at"] == "" and row["answered_at"]
    assert rows[0]["message_text"] == "No hay evidencia del 80 %"
    _, as_json = download(client, "/datos/disputas.json")
    assert [r["message_kind"] for r in json.loads(as_json)] == ["reason", "answer"]


def test_other_states_downloads_leave_them_out(client, world):
    other = f.state(name="Otro Estado", slug="otro-estado")
    f.action_plan(other)  # a state's downloads are served once it has a plan
    _, text = download(client, f"/datos/{other.slug}/disputas.csv")
    assert read_csv(text) == []
    _, text = download(client, f"/datos/{other.slug}/reprogramaciones.json")
    assert json.loads(text) == []


@pytest.mark.parametrize(
    ("prefix", "words"),
    [
        ("", ["Diccionario de datos: reprogramaciones", "Diccionario de datos: disputas"]),
        ("/en", ["Data dictionary: reschedules", "Data dictionary: disputes"]),
    ],
)
def test_the_open_data_page_documents_the_new_downloads(client, world, prefix, words):
    html = client.get(f"{prefix}/datos/").content.decode()
    for word in words:
        assert word in html
    for href in (
        "/datos/reprogramaciones.csv", "/datos/disputas.json",
        "/datos/estado-abierto/reprogramaciones.json", "/datos/estado-abierto/disputas.csv",
    ):  # fmt: skip
        assert f'href="{href}"' in html
    for column in ("days_late_original", "light_reason", "reschedule_number", "message_kind"):
        assert f"<code>{column}</code>" in html
    assert 'id="formulas"' in html


D = dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("status", "due_on", "first_due_on", "completed_on", "signal", "expected"),
    [
        # Never moved: the same as days_late (an open one counts only while shown red).
        ("in_progress", D, D, None, "red", 10),
        ("in_progress", D, D, None, "yellow", None),
        ("completed", D, D, D + dt.timedelta(5), "green", 5),
        ("completed", D, D, D, "green", None),
        # Moved later: the lateness against the plan stays, whatever the light now.
        ("in_progress", D + dt.timedelta(60), D, None, "green", 10),
        ("completed", D + dt.timedelta(60), D, D + dt.timedelta(20), "green", 20),
        # Moved but not yet late against the first date; moved to undated; never dated.
        ("in_progress", D + dt.timedelta(60), D + dt.timedelta(30), None, "green", None),
        ("in_progress", None, D, None, "yellow", 10),
        ("in_progress", None, None, None, "yellow", None),
    ],
)  # fmt: skip
def test_days_late_against_the_original_date(
    status, due_on, first_due_on, completed_on, signal, expected
):
    from commitments import rules

    today = D + dt.timedelta(10)
    assert rules.days_late_original(
        status=status, due_on=due_on, first_due_on=first_due_on, completed_on=completed_on,
        signal=signal, today=today,
    ) == expected  # fmt: skip
