"""Published plans import as they are: OGP members (a state and its municipalities), several
lead institutions, undated and month-only deliverables, sources, dates outside the plan's
period, institutions named in English or as "Name (ACRONYM)", and the ones missing created
only into an otherwise clean file. The files are the real ones under docs/examples/."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from commitments import importer, permissions
from commitments.models import ActionPlan, Commitment, Milestone
from states.entities import ENTITIES, load_federal_entities
from states.models import Municipality, Organisation, State
from tests.clock import NOW

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
NUEVO_LEON = EXAMPLES / "nuevo-leon-2022-2024.csv"
JALISCO = EXAMPLES / "jalisco-2023-2024.csv"


@pytest.fixture
def fresh(empty_db):
    """A new installation: the 32 federal entities of the migrations, nothing else."""
    load_federal_entities(State)


def run(path, state, *flags):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_plan", str(path), "--state", state, *flags, stdout=out, stderr=err)
    return out.getvalue()


def rows_of(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def to_csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_the_32_federal_entities_are_reference_data(fresh):
    codes = dict(State.objects.values_list("inegi_code", "slug"))
    assert len(codes) == 32 == len(ENTITIES)
    assert codes["09"] == "ciudad-de-mexico"
    assert codes["19"] == "nuevo-leon"
    assert codes["01"] == "aguascalientes"  # the leading zero is kept
    assert State.objects.get(slug="jalisco").ogp_prefix == "MXJL"


def test_a_state_is_shown_only_once_it_has_a_plan(fresh, client):
    assert client.get("/estados/jalisco/").status_code == 404
    run(NUEVO_LEON, "nuevo-leon", "--create-institutions")
    home = client.get("/").content.decode()
    assert "Nuevo León" in home
    assert "Jalisco" not in home and "Aguascalientes" not in home
    assert [s["slug"] for s in client.get("/api/v1/states/").json()["results"]] == ["nuevo-leon"]
    run(JALISCO, "jalisco", "--create-institutions")
    cache.clear()  # the import's invalidation runs on commit; the test never commits
    assert client.get("/estados/jalisco/").status_code == 200
    assert "Jalisco" in client.get("/").content.decode()


def test_nuevo_leons_coalition_plan_imports_as_published(fresh):
    output = run(NUEVO_LEON, "nuevo-leon", "--create-institutions")
    state = State.objects.get(slug="nuevo-leon")
    plan = ActionPlan.objects.get(state=state, number=1)
    assert plan.commitments.count() == 4
    assert Milestone.objects.filter(commitment__action_plan=plan).count() == 13

    # Three OGP members in one plan: the state and two municipalities of its own.
    members = {c.ogp_id: c.member for c in plan.commitments.all()}
    assert members["MXNLE0001"] == state and members["MXNLE0002"] == state
    assert (members["MXSPG0003"].name, members["MXSPG0003"].inegi_code) == (
        "San Pedro Garza García", "19019",
    )  # fmt: skip
    assert (members["MXMTY0005"].inegi_code, members["MXMTY0005"].ogp_prefix) == (
        "19039", "MXMTY",
    )  # fmt: skip
    assert set(Municipality.objects.values_list("state__slug", flat=True)) == {"nuevo-leon"}

    # Three co-lead secretariats, the first one first.
    datalab = Commitment.objects.get(ogp_id="MXNLE0001")
    assert [o.name for o in datalab.lead_institutions] == [
        "Secretariat of Culture",
        "Secretariat of Administration",
        "Secretariat of Citizen Participation",
    ]
    assert datalab.lead_institution.name == "Secretariat of Culture"
    assert datalab.source_url.endswith("/nuevo-leon-state-mexico/commitments/MXNLE0001/")
    assert (datalab.starts_on, datalab.ends_on) == (dt.date(2023, 1, 1), dt.date(2024, 6, 30))

    # Deliverables as published: a month only, or no date at all.
    by_number = {m.number: m for m in datalab.milestones.all()}
    assert (by_number[1].due_on, by_number[1].due_precision) == (dt.date(2023, 6, 30), "month")
    assert (by_number[2].due_on, by_number[2].due_precision) == (dt.date(2023, 12, 31), "month")
    assert (by_number[3].due_on, by_number[3].light_reason) == (None, "undated")
    assert by_number[3].starts_on == datalab.starts_on  # no planned start: the commitment's
    assert (by_number[4].due_on, by_number[4].due_precision) == (dt.date(2024, 6, 30), "day")

    # Missing institutions created, government unless the file says otherwise, to review.
    created = Organisation.objects.filter(needs_review=True)
    assert created.count() == Organisation.objects.count() == 24
    assert created.get(name="Hagámoslo Bien").kind == "cso"
    info = created.get(acronym="INFO NL")
    assert (info.kind, info.state) == ("transparency", state)
    assert created.get(acronym="IMPLANC").name.startswith("Municipal Institute of Urban")
    assert created.get(name="Secretariat of Culture").kind == "government"
    assert "Hagámoslo Bien" in output and "notes" in output  # listed, and the ignored column


def test_reimporting_a_published_plan_changes_nothing(fresh):
    run(NUEVO_LEON, "nuevo-leon", "--create-institutions")
    before = Organisation.objects.count()
    report = importer.import_plan(
        NUEVO_LEON.read_bytes(), state=State.objects.get(slug="nuevo-leon"), now=NOW
    )
    assert report.unchanged == {"commitments": 4, "milestones": 13}
    assert report.created_institutions == report.created_municipalities == []
    assert Organisation.objects.count() == before


def test_jaliscos_dates_outside_its_plan_are_imported_with_a_warning(fresh, client):
    report = importer.import_plan(
        JALISCO.read_bytes(), state=State.objects.get(slug="jalisco"), now=NOW,
        create_institutions=True,
    )  # fmt: skip
    assert report.created == {"commitments": 1, "milestones": 3}
    (warning,) = report.warnings
    assert warning.line == 2 and "MXJL0002" in warning.message
    assert "2021-09-01" in warning.message and "2023-02-07" in warning.message
    assert report.ignored_columns == ["notes"]
    assert {o.kind for o in Organisation.objects.filter(acronym__in=["ITESO", "UNIVA"])} == {
        "academia"
    }
    commitment = Commitment.objects.get(ogp_id="MXJL0002")
    assert commitment.outside_plan_period and commitment.municipality is None

    page = client.get(reverse("public:commitment", kwargs={"ogp_id": "MXJL0002"}))
    html = page.content.decode()
    assert "fuera del periodo del plan" in html
    assert (
        'href="https://www.opengovpartnership.org/members/jalisco-mexico/commitments/MXJL0002/"'
        in html
    )  # noqa: E501
    assert "octubre de 2021" in html and "sin fecha" in html
    assert "Miembro de OGP: Jalisco (estado)" in html


def test_the_state_page_labels_each_commitment_with_its_member(fresh, client):
    run(NUEVO_LEON, "nuevo-leon", "--create-institutions")
    html = client.get("/estados/nuevo-leon/").content.decode()
    assert "Miembro de OGP: San Pedro Garza García (municipio)" in html
    assert "Miembro de OGP: Monterrey (municipio)" in html
    assert "Miembro de OGP: Nuevo León (estado)" in html
    assert "Instituciones líderes" in html  # MXNLE0001's three
    english = client.get("/en/estados/nuevo-leon/").content.decode()
    assert "OGP member: San Pedro Garza García (municipality)" in english


def test_the_api_gives_the_member_every_lead_and_the_source(fresh, client):
    run(NUEVO_LEON, "nuevo-leon", "--create-institutions")
    body = client.get("/api/v1/commitments/MXSPG0003/").json()
    assert body["member"] == {
        "kind": "municipality", "slug": "san-pedro-garza-garcia-nuevo-leon",
        "name": "San Pedro Garza García", "inegi_code": "19019", "ogp_prefix": "MXSPG",
    }  # fmt: skip
    assert body["lead_institution"]["id"] == body["lead_institutions"][0]["id"]
    assert len(body["lead_institutions"]) == 2
    assert body["source_url"].startswith("https://www.opengovpartnership.org/members/")
    rows = b"".join(client.get("/datos/compromisos.csv").streaming_content).decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(rows)) if r["ogp_id"] == "MXSPG0003")
    assert (row["member"], row["member_kind"], row["member_inegi_code"]) == (
        "San Pedro Garza García", "municipality", "19019",
    )  # fmt: skip
    ogp = b"".join(client.get("/datos/compromisos-ogp.csv").streaming_content).decode("utf-8-sig")
    row = next(
        r
        for r in csv.DictReader(io.StringIO(ogp))
        if r["Commitment Unique Identifier"] == "MXMTY0005"
    )  # noqa: E501
    assert row["Country/Locality"] == "Monterrey, Mexico"
    assert row["Lead Institution"].count(";") == 1


def test_officials_of_any_lead_may_answer_for_the_commitment(fresh):
    run(NUEVO_LEON, "nuevo-leon", "--create-institutions")
    datalab = Commitment.objects.get(ogp_id="MXNLE0001")
    answering = permissions.answering_organisation_ids(datalab)
    assert {o.pk for o in datalab.lead_institutions} <= answering
    assert Organisation.objects.get(name="Secretariat of Administration").pk in answering


def test_institutions_are_created_only_into_an_otherwise_clean_file(fresh):
    rows = rows_of(NUEVO_LEON)
    rows[5]["milestone_due_on"] = "2024-13-45"
    state = State.objects.get(slug="nuevo-leon")
    with pytest.raises(importer.InvalidFile) as refused:
        importer.import_plan(to_csv(rows), state=state, now=NOW, create_institutions=True)
    messages = [str(p) for p in refused.value.problems]
    assert any("línea 7" in m and "no es una fecha" in m for m in messages)
    # The unknown institutions are listed too, and none was created.
    assert any("Secretariat of Culture" in m for m in messages)
    assert Organisation.objects.count() == Municipality.objects.count() == 0
    assert not Commitment.objects.exists()


def test_without_the_flag_unknown_institutions_are_problems(fresh):
    with pytest.raises(CommandError):
        run(JALISCO, "jalisco")
    assert not Organisation.objects.exists() and not Commitment.objects.exists()
    with pytest.raises(importer.InvalidFile) as refused:
        importer.import_plan(JALISCO.read_bytes(), state=State.objects.get(slug="jalisco"), now=NOW)  # noqa: E501
    assert any("--create-institutions" in p.message for p in refused.value.problems)


@pytest.fixture
def nl(demo):
    state = State.objects.get(slug="nuevo-leon")
    Organisation.objects.create(
        name="Secretaría de Economía", acronym="SE", kind="government", state=state,
        aliases="Secretariat of Economy\nMinistry of Economy",
    )  # fmt: skip
    return state


MATCHING_ROW = {
    "plan_number": "7", "plan_title": "Plan de prueba", "plan_starts_on": "2030-01-01",
    "plan_ends_on": "2031-12-31", "ogp_id": "MXNLE0700", "commitment_number": "1",
    "commitment_title": "Compromiso de prueba", "commitment_starts_on": "2030-01-01",
    "commitment_ends_on": "2031-12-31",
}  # fmt: skip


@pytest.mark.parametrize(
    "named",
    [
        "Secretaría de Economía",
        "SECRETARIA DE ECONOMIA",  # accents and case ignored
        "se",  # the acronym
        "Secretaría de Economía (SE)",
        "Secretaria  de economia (SE)",
        "Ministry of Economy (SE)",
        "secretariat of economy",  # an English alias
    ],
)
def test_institutions_are_matched_by_name_acronym_and_alias(nl, named):
    data = to_csv([{**MATCHING_ROW, "lead_institution": named}])
    report = importer.import_plan(data, state=nl, now=NOW)
    assert report.created_institutions == []
    assert Commitment.objects.get(ogp_id="MXNLE0700").lead_institution.acronym == "SE"


def test_the_prefix_of_another_state_is_refused(nl):
    data = to_csv([{**MATCHING_ROW, "ogp_id": "MXJL0700", "lead_institution": "SE"}])
    with pytest.raises(importer.InvalidFile) as refused:
        importer.import_plan(data, state=nl, now=NOW)
    assert "Jalisco" in str(refused.value.problems[0])


def test_the_admin_import_creates_institutions_when_asked(fresh, client, django_user_model):
    admin = django_user_model.objects.create_superuser("staff", "staff@example.org", "x")
    client.force_login(admin)
    url = reverse("admin:commitments_actionplan_import")
    jalisco = State.objects.get(slug="jalisco")
    with JALISCO.open("rb") as f:
        refused = client.post(url, {"state": jalisco.pk, "file": f})
    assert refused.status_code == 400 and not Organisation.objects.exists()
    with JALISCO.open("rb") as f:
        done = client.post(url, {"state": jalisco.pk, "file": f, "create_institutions": "on"})
    assert done.status_code == 302
    assert Organisation.objects.filter(needs_review=True).count() == 3
    assert Commitment.objects.filter(ogp_id="MXJL0002").exists()


def test_the_demo_knows_the_real_members_leads_and_english_names(demo):
    datalab = Commitment.objects.get(ogp_id="MXNLE0001")
    assert [o.name for o in datalab.lead_institutions] == [
        "Secretaría de Participación Ciudadana",
        "Secretaría de Administración",
        "Secretaría de Cultura",
    ]
    assert Commitment.objects.get(ogp_id="MXSPG0003").member.inegi_code == "19019"
    assert datalab.source_url.endswith("/commitments/MXNLE0001/")
    # The published file finds the demo's institutions by their English names and the demo's
    # municipalities by name: only what the demo lacks is created.
    report = importer.import_plan(
        NUEVO_LEON.read_bytes(), state=State.objects.get(slug="nuevo-leon"), now=NOW,
        create_institutions=True,
    )  # fmt: skip
    assert report.created_municipalities == []
    assert "Secretariat of Culture" not in " ".join(report.created_institutions)
    assert Commitment.objects.get(ogp_id="MXMTY0005").member.name == "Monterrey"


def test_a_co_lead_has_the_commitment_on_its_page_in_the_scorecard_and_the_filter(demo, client):
    culture = Organisation.objects.get(name="Secretaría de Cultura")
    page = client.get(reverse("public:institution", kwargs={"slug": culture.slug}))
    assert page.status_code == 200 and "MXNLE0001" in page.content.decode()
    scorecard = client.get("/instituciones/?estado=nuevo-leon").content.decode()
    assert "Secretaría de Cultura" in scorecard
    listed = client.get(f"/estados/nuevo-leon/?institucion={culture.pk}").content.decode()
    assert "MXNLE0001" in listed and "MXNLE0002" not in listed
    api = client.get(f"/api/v1/commitments/?lead_institution={culture.pk}").json()
    assert [c["ogp_id"] for c in api["results"]] == ["MXNLE0001"]


def test_the_scorecard_counts_a_commitment_for_each_of_its_leads(fresh):
    from commitments import selectors

    run(NUEVO_LEON, "nuevo-leon", "--create-institutions")
    rows = {r.name: r for r in selectors.institution_scorecard(today=dt.date(2024, 1, 15))}
    # First lead of MXNLE0002 (3 milestones), co-lead of MXNLE0001 (4): one row, both counted.
    participation = rows["Secretariat of Citizen Participation"]
    assert (participation.commitment_count, participation.milestone_count) == (2, 7)
    assert participation.undated_count == 2
    assert (
        rows["Secretariat of Culture"].commitment_count,
        rows["Secretariat of Culture"].milestone_count,
    ) == (1, 4)  # noqa: E501
