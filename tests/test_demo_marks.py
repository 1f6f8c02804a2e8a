"""Demo data is marked as such wherever it is shown: every page, card, widget and download
that shows it says "Ejemplo ilustrativo" (commitments.demo_marks, the one rule), and a page
of real data alone says nothing of the kind."""

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from commitments import demo_marks, selectors, services
from commitments.models import Commitment, Milestone
from tests import factories as f

pytestmark = pytest.mark.django_db

BANNER = 'class="demo-banner"'
DEMO_PAGES = [
    "/",
    "/estados/nuevo-leon/",
    "/estados/nuevo-leon/reporte/",
    "/compromisos/MXNLE0001/",
    "/semaforo/",
    "/semaforo/?estado=guanajuato",
    "/instituciones/",
    "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/",
    "/proximos-vencimientos/?dias=90",
    "/buscar/?q=datos",
]


@pytest.fixture
def lit(demo):
    services.flag_stale_milestones(now=timezone.now())


@pytest.mark.parametrize("url", DEMO_PAGES)
def test_every_page_showing_demo_data_says_so(client, lit, url):
    html = client.get(url).content.decode()
    assert BANNER in html and "Ejemplo ilustrativo" in html, url


def test_the_deadline_pages_say_so_when_they_list_demo_milestones(client, lit):
    html = client.get("/recien-vencidos/").content.decode()
    overdue, stale = selectors.recently_overdue(today=timezone.localdate(), days=30)
    assert (BANNER in html) == bool(overdue or stale)
    assert BANNER in client.get("/en/proximos-vencimientos/?dias=90").content.decode()


def test_the_english_pages_say_so_in_english(client, lit):
    html = client.get("/en/estados/nuevo-leon/").content.decode()
    assert BANNER in html and "Illustrative example" in html and "demo data" in html


@pytest.fixture
def real(empty_db, django_capture_on_commit_callbacks):
    """A state with real data only: an imported commitment, overdue."""
    with django_capture_on_commit_callbacks(execute=True):
        state = f.state(name="Estado Real", slug="estado-real")
        lead = f.organisation(state, name="Secretaría Real", slug="secretaria-real")
        commitment = f.commitment(f.action_plan(state), lead, ogp_id="MXREA0001")
        f.milestone(commitment, due_on=dt.date(2025, 6, 30), now=timezone.now())
        f.milestone(commitment, due_on=timezone.localdate() + dt.timedelta(days=20))
    return commitment


REAL_PAGES = [
    "/",
    "/estados/estado-real/",
    "/estados/estado-real/reporte/",
    "/compromisos/MXREA0001/",
    "/semaforo/",
    "/instituciones/",
    "/instituciones/secretaria-real/",
    "/proximos-vencimientos/",
    "/recien-vencidos/",
    "/estados/estado-real/widget/",
    "/compromisos/MXREA0001/widget/",
]


@pytest.mark.parametrize("url", REAL_PAGES)
def test_a_page_of_real_data_alone_has_no_demo_mark(client, real, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert BANNER not in html and "Ejemplo ilustrativo" not in html, url


def test_one_demo_commitment_marks_its_state_and_the_country(client, real):
    Commitment.objects.filter(pk=real.pk).update(is_illustrative=True)
    for url in ("/", "/estados/estado-real/", "/instituciones/", "/semaforo/"):
        assert BANNER in client.get(url).content.decode(), url


def test_the_rule_reads_querysets_lists_and_annotated_groups(real, lit):
    real_only = Commitment.objects.filter(pk=real.pk)
    assert not demo_marks.includes_demo(real_only)
    assert not demo_marks.includes_demo(Milestone.objects.filter(commitment=real))
    assert demo_marks.includes_demo(Commitment.objects.all())
    assert demo_marks.includes_demo(Milestone.objects.all())
    assert demo_marks.includes_demo([], list(real_only), Commitment.objects.filter(is_demo=True))
    assert not demo_marks.includes_demo(list(Milestone.objects.filter(commitment=real)))
    overview = {s.slug: s for s in selectors.states_overview(today=timezone.localdate())}
    assert not demo_marks.includes_demo([overview["estado-real"]])
    assert demo_marks.includes_demo([overview["nuevo-leon"]])


def rows(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return json.loads(body) if url.endswith(".json") else list(csv.DictReader(io.StringIO(body)))


def test_downloads_have_an_is_demo_column_at_the_end(client, real, lit):
    commitments = {r["ogp_id"]: r for r in rows(client, "/datos/compromisos.csv")}
    assert list(commitments["MXREA0001"])[-1] == "is_demo"
    assert commitments["MXREA0001"]["is_demo"] == "false"
    assert commitments["MXNLE0001"]["is_demo"] == "true"  # loaded by the demo
    assert commitments["MXGTO9003"]["is_demo"] == "true"  # an invented example
    milestones = rows(client, "/datos/hitos.json")
    assert {m["is_demo"] for m in milestones if m["ogp_id"] == "MXREA0001"} == {False}
    assert {m["is_demo"] for m in milestones if m["ogp_id"] == "MXNLE0001"} == {True}
    state_file = rows(client, "/datos/estado-real/hitos.csv")
    assert state_file and {m["is_demo"] for m in state_file} == {"false"}


def test_the_new_column_is_documented(client, demo):
    html = client.get("/datos/").content.decode()
    assert "is_demo" in html and "datos de ejemplo" in html
    package = json.loads(client.get("/datos/datapackage.json").content)
    fields = [
        field
        for resource in package["resources"]
        for field in resource.get("schema", {}).get("fields", [])
        if field["name"] == "is_demo"
    ]
    assert fields and all(field["type"] == "boolean" for field in fields)


def test_a_downloaded_chart_of_a_demo_plan_says_so(client, real, lit):
    assert (
        "Ejemplo ilustrativo"
        in client.get("/estados/nuevo-leon/planes/1/grafica.svg").content.decode()
    )
    real_plan = real.action_plan
    svg = client.get(f"/estados/estado-real/planes/{real_plan.number}/grafica.svg")
    assert svg.status_code == 200 and "Ejemplo ilustrativo" not in svg.content.decode()


def test_the_reschedule_and_dispute_downloads_mark_demo_rows_too(client, lit):
    for name in ("reprogramaciones", "disputas"):
        found = rows(client, f"/datos/{name}.json")
        assert found and all(row["is_demo"] is True for row in found), name
        assert list(rows(client, f"/datos/{name}.csv")[0])[-1] == "is_demo"


def test_the_api_marks_demo_commitments_and_milestones(client, demo):
    from commitments import demo_marks
    from commitments.models import Commitment

    commitments = client.get("/api/v1/commitments/", {"page_size": 100}).json()["results"]
    expected = {c.ogp_id: demo_marks.is_demo(c) for c in Commitment.objects.all()}
    assert {c["ogp_id"]: c["is_demo"] for c in commitments} == expected
    assert True in expected.values()
    milestones = client.get("/api/v1/milestones/", {"page_size": 100}).json()["results"]
    assert milestones and all(m["is_demo"] == expected[m["commitment"]] for m in milestones)


def test_feeds_and_calendars_mark_each_demo_entry(client, demo):
    from commitments import demo_marks
    from commitments.models import Commitment

    assert demo_marks.marked("x", Commitment.objects.filter(is_demo=True).first()) == (
        "[Ejemplo ilustrativo] x"
    )
    calendar = client.get("/vencimientos.ics").content.decode()
    summaries = [line for line in calendar.splitlines() if line.startswith("SUMMARY:")]
    assert summaries and all("[Ejemplo ilustrativo]" in s for s in summaries)
