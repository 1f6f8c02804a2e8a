"""Importing an action plan from CSV: clean files are written whole, re-imports change
nothing, updates keep history, and every kind of bad row leaves the database untouched."""

import csv
import io
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command
from django.urls import reverse

from commitments import importer
from commitments.models import ActionPlan, Commitment, Milestone, StatusUpdate, Transition
from states.models import State
from tests.clock import NOW

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "ejemplo-plan-de-accion.csv"


def rows_of(data=None):
    text = (data or EXAMPLE.read_bytes()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def to_csv(rows, columns=None):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def snapshot():
    models = [ActionPlan, Commitment, Milestone, StatusUpdate, Transition]
    return {m.__name__: serializers.serialize("json", m.objects.order_by("pk")) for m in models}


@pytest.fixture
def gto(demo):
    return State.objects.get(slug="guanajuato")


def test_the_example_file_imports(gto):
    report = importer.import_plan(EXAMPLE.read_bytes(), state=gto, now=NOW)
    assert (report.created["commitments"], report.created["milestones"]) == (2, 6)
    c = Commitment.objects.get(ogp_id="MXGTO9101")
    assert c.action_plan.number == 3
    assert c.lead_institution.name == "Secretaría de la Honestidad"
    assert {o.name for o in c.supporting_institutions.all()} == {
        "Colores del Rincón",
        "Universidad de Guanajuato",
    }
    assert (c.access_to_information, c.technology_and_innovation) == (True, False)
    assert c.milestones.count() == 3


def test_reimporting_the_same_file_changes_nothing(gto):
    importer.import_plan(EXAMPLE.read_bytes(), state=gto, now=NOW)
    before = snapshot()
    report = importer.import_plan(EXAMPLE.read_bytes(), state=gto, now=NOW)
    assert report.unchanged == {"commitments": 2, "milestones": 6}
    assert report.updated == {"commitments": 0, "milestones": 0}
    assert snapshot() == before


def test_an_updated_file_updates_in_place_and_keeps_history(gto):
    importer.import_plan(EXAMPLE.read_bytes(), state=gto, now=NOW)
    m = Milestone.objects.get(commitment__ogp_id="MXGTO9101", number=2)
    history = StatusUpdate.objects.filter(milestone=m).count()
    rows = rows_of()
    for row in rows:
        if row["ogp_id"] == "MXGTO9101" and row["milestone_number"] == "2":
            row["milestone_due_on"] = "2028-12-15"
            row["milestone_title"] = "Publicación de contratos de 12 municipios"
    report = importer.import_plan(to_csv(rows), state=gto, now=NOW)
    assert report.updated["milestones"] == 1
    assert report.unchanged["milestones"] == 5
    m.refresh_from_db()
    assert m.pk == Milestone.objects.get(commitment__ogp_id="MXGTO9101", number=2).pk
    assert (m.title, str(m.due_on), str(m.original_due_on)) == (
        "Publicación de contratos de 12 municipios",
        "2028-12-15",
        "2028-09-30",
    )
    moved = StatusUpdate.objects.filter(milestone=m).latest("created_at")
    assert StatusUpdate.objects.filter(milestone=m).count() == history + 1
    assert (str(moved.old_due_on), str(moved.new_due_on)) == ("2028-09-30", "2028-12-15")


def bad(rows_change=None, data=None):
    rows = rows_of()
    columns = list(rows[0])
    if rows_change:
        columns = rows_change(rows, columns) or columns
    return data if data is not None else to_csv(rows, columns)


def drop_column(rows, columns):
    for row in rows:
        row.pop("milestone_due_on")
    return [c for c in columns if c != "milestone_due_on"]


def bad_date(rows, columns):
    rows[1]["milestone_due_on"] = "31/02/2028"


def unknown_institution(rows, columns):
    rows[3]["lead_institution"] = "Secretaría de Asuntos Inexistentes"
    rows[4]["lead_institution"] = "Secretaría de Asuntos Inexistentes"
    rows[5]["lead_institution"] = "Secretaría de Asuntos Inexistentes"


def duplicate_identifier(rows, columns):
    rows[2]["milestone_number"] = "1"


def other_states_identifier(rows, columns):
    for row in rows[3:]:
        row["ogp_id"] = "MXNLE0001"


@pytest.mark.parametrize(
    ("change", "data", "line", "column", "words"),
    [
        (drop_column, None, 1, "milestone_due_on", "Falta esta columna"),
        (bad_date, None, 3, "milestone_due_on", "no es una fecha"),
        (unknown_institution, None, 5, "lead_institution", "Institución desconocida"),
        (duplicate_identifier, None, 4, "milestone_number", "ya está en la línea 2"),
        (other_states_identifier, None, 5, "ogp_id", "otro estado"),
        (None, "plan_number,ogp_id\n1,MXGTO9101 caf\xe9\n".encode("latin-1"), 2, "", "UTF-8"),
        (None, b"", 1, "", "vac"),
    ],
)
def test_each_kind_of_bad_file_is_refused_whole(gto, change, data, line, column, words):
    before = snapshot()
    with pytest.raises(importer.InvalidFile) as refused:
        importer.import_plan(bad(change, data), state=gto, now=NOW)
    problems = refused.value.problems
    assert any(p.line == line and p.column == column and words in p.message for p in problems), [
        str(p) for p in problems
    ]
    assert snapshot() == before


def test_problems_in_english_for_an_english_speaker(gto):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(importer.InvalidFile) as refused:
            importer.import_plan(bad(bad_date), state=gto, now=NOW)
        assert str(refused.value.problems[0]) == (
            "line 3, column milestone_due_on: 31/02/2028 is not a date: use YYYY-MM-DD, or "
            "YYYY-MM for a month."
        )


def test_ogp_layout_reimports_the_export(client, gto):
    from api import exports

    importer.import_plan(EXAMPLE.read_bytes(), state=gto, now=NOW)
    data = b"".join(
        chunk.encode()
        for chunk in exports.stream_csv(
            exports.ogp_rows(base_url="http://x", state=gto), exports.OGP_COLUMNS
        )
    )
    rows = rows_of(data)
    mine = [r for r in rows if r["Action Plan Number"] == "3"]
    for r in mine:
        r["Commitment Title"] = r["Commitment Title"] + " (revisado)"
    report = importer.import_plan(to_csv(mine, exports.OGP_COLUMNS), state=gto, now=NOW)
    assert report.layout == "ogp"
    assert report.updated["commitments"] == 2
    assert Commitment.objects.get(ogp_id="MXGTO9101").title.endswith("(revisado)")
    assert Milestone.objects.filter(commitment__ogp_id="MXGTO9101").count() == 3


def test_command_prints_a_summary_and_fails_on_problems(gto, tmp_path):
    out = io.StringIO()
    call_command("import_plan", str(EXAMPLE), state="guanajuato", stdout=out)
    assert "Compromisos: 2 creados" in out.getvalue()
    broken = tmp_path / "roto.csv"
    broken.write_bytes(bad(bad_date))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nada"):
        call_command("import_plan", str(broken), state="guanajuato", stderr=err)
    assert "línea 3, columna milestone_due_on" in err.getvalue()


def test_long_files_show_a_progress_bar(gto, tmp_path):
    rows = rows_of()
    template = rows[0]
    many = []
    for n in range(1, 601):
        many.append({**template, "milestone_number": str(n), "milestone_title": f"Hito {n}"})
    path = tmp_path / "largo.csv"
    path.write_bytes(to_csv(many))
    err = io.StringIO()
    call_command("import_plan", str(path), state="guanajuato", stdout=io.StringIO(), stderr=err)
    assert "100 %" in err.getvalue() and "[####" in err.getvalue()
    assert Milestone.objects.filter(commitment__ogp_id="MXGTO9101").count() == 600


def test_admin_upload(client, gto, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    url = reverse("admin:commitments_actionplan_import")
    assert (
        "Importar desde CSV"
        in client.get(reverse("admin:commitments_actionplan_changelist")).content.decode()
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = client.post(
        url, {"state": gto.pk, "file": SimpleUploadedFile("plan.csv", bad(bad_date))}
    )
    assert refused.status_code == 400
    assert "31/02/2028" in refused.content.decode()
    assert not Commitment.objects.filter(ogp_id="MXGTO9101").exists()
    done = client.post(
        url, {"state": gto.pk, "file": SimpleUploadedFile("plan.csv", EXAMPLE.read_bytes())}
    )
    assert done.status_code == 302
    assert Commitment.objects.filter(ogp_id="MXGTO9101").exists()
