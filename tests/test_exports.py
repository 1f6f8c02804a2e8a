"""Open-data downloads: columns, content, OGP's layout, per-state files, streaming."""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from api import exports
from commitments import services
from commitments.models import Commitment, Milestone
from tests.clock import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def lit(demo):
    services.flag_stale_milestones(now=timezone.now())


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content).decode("utf-8")


def read_csv(text):
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_commitments_csv(client, lit):
    response, text = download(client, "/datos/compromisos.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ogp-tracker-compromisos.csv"' in response["Content-Disposition"]
    rows = read_csv(text)
    assert list(rows[0]) == exports.COMMITMENT_COLUMNS
    assert len(rows) == Commitment.objects.count()
    nl = next(r for r in rows if r["ogp_id"] == "MXNLE0001")
    assert nl["state"] == "Nuevo León"
    assert (
        nl["supporting_institutions"] == "Cómo Vamos Nuevo León; Universidad Autónoma de Nuevo León"
    )
    assert (nl["milestones"], nl["milestones_completed"], nl["milestones_red"]) == ("4", "2", "2")
    assert nl["url"] == "http://testserver/compromisos/MXNLE0001/"


def test_ogp_layout(client, lit):
    _, text = download(client, "/datos/compromisos-ogp.csv")
    rows = read_csv(text)
    assert list(rows[0]) == [
        "Commitment Unique Identifier", "Country/Locality", "Region", "Theme",
        "Year Of Submission", "Action Plan Number", "Commitment Number", "Commitment Title",
        "Short Title", "Full Text", "Lead Institution", "Supporting Institution(s)", "URL",
        "OGP Value Access To Information", "OGP Value Civic Participation",
        "OGP Value Public Accountability", "OGP Value Technology", "Specificity",
        "Potential Impact", "Completion", "Did It Open Government",
    ]  # fmt: skip
    row = next(r for r in rows if r["Commitment Unique Identifier"] == "MXGTO9001")
    assert row["Country/Locality"] == "Guanajuato, Mexico"
    assert (row["Action Plan Number"], row["Commitment Number"]) == ("1", "1")
    assert row["OGP Value Technology"] == "No"
    assert row["OGP Value Public Accountability"] == "Yes"
    assert (row["Potential Impact"], row["Completion"]) == ("Moderate", "Substantial")


def test_milestones_json_per_state(client, lit):
    response, text = download(client, "/datos/nuevo-leon/hitos.json")
    assert response["Content-Type"] == "application/json"
    rows = json.loads(text)
    assert (
        len(rows)
        == Milestone.objects.filter(commitment__action_plan__state__slug="nuevo-leon").count()
    )
    assert {r["state"] for r in rows} == {"Nuevo León"}
    late = next(r for r in rows if r["ogp_id"] == "MXNLE0001" and r["number"] == 4)
    assert (late["signal"], late["status"], late["due_on"]) == ("red", "not_started", "2024-06-30")
    assert late["url"].endswith("/compromisos/MXNLE0001/hitos/4/")


def test_commitments_json_equals_the_csv(client, lit):
    _, as_json = download(client, "/datos/guanajuato/compromisos.json")
    _, as_csv = download(client, "/datos/guanajuato/compromisos.csv")
    assert [r["ogp_id"] for r in json.loads(as_json)] == [r["ogp_id"] for r in read_csv(as_csv)]


@pytest.mark.parametrize(
    "url",
    [
        "/datos/otra-cosa.csv",
        "/datos/hitos.xml",
        "/datos/compromisos-ogp.json",
        "/datos/jalisco/hitos.csv",
    ],
)
def test_unknown_downloads_are_404(client, lit, url):
    assert client.get(url).status_code == 404


def test_rows_are_produced_lazily(lit):
    # The generator reads the database as it goes: taking one row does not build them all.
    rows = exports.milestone_rows(base_url="http://x", today=TODAY)
    first = next(rows)
    assert set(first) == set(exports.MILESTONE_COLUMNS)


def test_open_data_page_lists_downloads_dictionary_and_licence(client, lit):
    html = client.get("/datos/").content.decode()
    assert "Datos abiertos" in html
    assert 'href="/datos/nuevo-leon/compromisos-ogp.csv"' in html
    assert "CC BY 4.0" in html
    assert "<code>signal</code>" in html
    assert 'href="/api/docs/"' in html
