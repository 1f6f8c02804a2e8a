"""Files that crashed the importer (issue 14): a header with no rows, a `²` where a number
goes, a NUL in a cell, dates outside 1990-2100, and two imports at once. Each is refused
with its line, column and reason, through the function, the admin upload and the command,
and nothing is written; two real concurrent imports on PostgreSQL end as if run in turn."""

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.urls import reverse

from commitments import importer
from commitments.models import ActionPlan, Commitment, Milestone
from tests import factories as f
from tests.clock import NOW
from tests.test_import import EXAMPLE, rows_of, snapshot, to_csv

pytestmark = pytest.mark.django_db


def changed(**cells):
    """The example file with cells changed: {"3:milestone_due_on": "9999-12-31"} changes
    the milestone_due_on of the file's line 3 (the second data row)."""
    rows = rows_of()
    for where, value in cells.items():
        line, column = where.split(":")
        rows[int(line) - 2][column] = value
    return to_csv(rows)


HEADER_ONLY = EXAMPLE.read_bytes().split(b"\n")[0] + b"\n"

CASES = {
    # name: (file, line, column, words of the Spanish message)
    "header only": (HEADER_ONLY, 2, "", "ninguna fila"),
    "a superscript digit": (changed(**{"2:commitment_number": "²"}), 2, "commitment_number", "²"),
    "Arabic-Indic digits in a date": (
        changed(**{"2:milestone_due_on": "٢٠٢٧-١٢-١٥"}),
        2,
        "milestone_due_on",
        "no es una fecha",
    ),
    "a NUL in a cell": (changed(**{"4:milestone_title": "Hito\x00 3"}), 4, "", "carácter NUL"),
    "due on 9999-12-31": (
        changed(**{"3:milestone_due_on": "9999-12-31"}),
        3,
        "milestone_due_on",
        "fuera de las fechas aceptadas (del 1 de enero de 1990 al 31 de diciembre de 2100)",
    ),
    "a plan starting in year 1": (
        changed(**{"2:plan_starts_on": "01/01/0001"}),
        2,
        "plan_starts_on",
        "0001-01-01 está fuera de las fechas aceptadas",
    ),
    "a commitment ending in 2101": (
        changed(**{"5:commitment_ends_on": "2101-01-01"}),
        5,
        "commitment_ends_on",
        "2101-01-01 está fuera",
    ),
}


@pytest.fixture
def gto(demo):
    from states.models import State

    return State.objects.get(slug="guanajuato")


@pytest.mark.parametrize("case", CASES)
def test_the_importer_refuses_with_line_column_and_reason(gto, case):
    data, line, column, words = CASES[case]
    before = snapshot()
    with pytest.raises(importer.InvalidFile) as refused:
        importer.import_plan(data, state=gto, now=NOW)
    assert any(
        p.line == line and p.column == column and words in p.message for p in refused.value.problems
    ), [str(p) for p in refused.value.problems]
    assert snapshot() == before


def test_the_range_includes_its_first_and_last_days(gto):
    data = changed(**{"2:milestone_starts_on": "1990-01-01", "2:milestone_due_on": "2100-12-31"})
    importer.import_plan(data, state=gto, now=NOW)
    m = Milestone.objects.get(commitment__ogp_id="MXGTO9101", number=1)
    assert (m.starts_on.isoformat(), m.due_on.isoformat()) == ("1990-01-01", "2100-12-31")


@pytest.mark.parametrize("case", CASES)
def test_the_admin_upload_lists_the_problem_and_writes_nothing(client, staff, gto, case):
    data, line, column, words = CASES[case]
    client.force_login(staff)
    before = snapshot()
    response = client.post(
        reverse("admin:commitments_actionplan_import"),
        {"state": gto.pk, "file": SimpleUploadedFile("plan.csv", data)},
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("case", CASES)
def test_the_command_reports_the_problem_and_writes_nothing(gto, tmp_path, case):
    data, line, column, words = CASES[case]
    path = tmp_path / "plan.csv"
    path.write_bytes(data)
    err = io.StringIO()
    before = snapshot()
    with pytest.raises(CommandError, match="nada"):
        call_command("import_plan", str(path), state="guanajuato", stderr=err)
    assert f"línea {line}" in err.getvalue() and words in err.getvalue()
    assert snapshot() == before


# Two imports at once (PostgreSQL: two real connections) --------------------------------


def _plan(ogp_prefix, institution):
    rows = rows_of()
    for row in rows:
        row["ogp_id"] = row["ogp_id"].replace("MXGTO", ogp_prefix)
        row["lead_institution"] = institution
        row["supporting_institutions"] = ""
    return to_csv(rows)


def _race(imports):
    """Runs (data, state) imports in threads that all validate, then all write at once."""
    validated = threading.Barrier(len(imports))
    results, errors = [None] * len(imports), [None] * len(imports)

    def run(i, data, state):
        try:
            header, rows = importer.read(data)
            checked = importer.validate(state, header, rows)
            validated.wait(timeout=30)
            results[i] = importer.apply(state, checked, now=NOW)
        except importer.InvalidFile as invalid:
            errors[i] = invalid
        except Exception as exc:  # noqa: BLE001 (reported by the assertions)
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(imports)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


@pytest.fixture
def two_states(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (set DATABASE_URL)")
    first, second = f.state(), f.state()
    national = f.organisation(None, name="Instituto Nacional de Transparencia (prueba)")
    return first, second, national.name


def test_two_imports_into_one_plan_at_once_end_as_if_run_in_turn(two_states):
    state, _other, institution = two_states
    data = _plan("MXTSA", institution)
    # The plan exists (a second file for it): neither import inserts it, so neither waits
    # for the other there; both would insert the same new commitments.
    row = rows_of(data)[0]
    f.action_plan(
        state,
        number=int(row["plan_number"]),
        title=row["plan_title"],
        starts_on=row["plan_starts_on"],
        ends_on=row["plan_ends_on"],
    )
    results, errors = _race([(data, state), (data, state)])
    assert errors == [None, None]
    created = sorted(r.created["milestones"] for r in results)
    unchanged = sorted(r.unchanged["milestones"] for r in results)
    assert (created, unchanged) == ([0, 6], [0, 6])  # one wrote, the other found it written
    assert ActionPlan.objects.filter(state=state).count() == 1
    assert Commitment.objects.filter(action_plan__state=state).count() == 2
    assert Milestone.objects.filter(commitment__action_plan__state=state).count() == 6


def test_two_imports_of_the_same_identifiers_into_two_states_refuse_one(two_states):
    first, second, institution = two_states
    data = _plan("MXTSB", institution)
    results, errors = _race([(data, first), (data, second)])
    refused = [e for e in errors if e is not None]
    assert len(refused) == 1 and isinstance(refused[0], importer.InvalidFile), errors
    (problem,) = refused[0].problems
    assert problem.line is None and "no se escribió nada" in str(problem)
    winner = first if results[0] else second
    loser = second if results[0] else first
    written = Commitment.objects.filter(ogp_id__startswith="MXTSB")
    assert set(written.values_list("action_plan__state", flat=True)) == {winner.pk}
    assert written.count() == 2
    assert not ActionPlan.objects.filter(state=loser).exists()
