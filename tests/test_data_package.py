"""The downloads described for machines, fetched from a running server as a portal or a data
tool would: the Data Package passes `frictionless validate` (types, codes, keys across the
files), and the DCAT catalogue parses as RDF, as CKAN's harvester reads it, and every file it
names is there."""

import csv
import io
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import rdflib
from rdflib import namespace

from api import exports
from api.downloads import DATASETS
from commitments import services
from states.models import State
from tests import factories
from tests.clock import NOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.process]


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (the live server)
        return response.headers.get_content_type(), response.read()


@pytest.fixture
def coahuila(demo):
    """A state whose INEGI code has a leading zero, with a commitment in the downloads."""
    state = State.objects.filter(inegi_code="05").first() or factories.state(
        name="Coahuila", slug="coahuila", inegi_code="05"
    )
    state.is_active = True
    state.save()
    plan = factories.action_plan(state)
    lead = factories.organisation(state)
    factories.commitment(plan, lead, ogp_id="MXCOA0001", access_to_information=True)
    # A day of the rankings over time, so that its file is validated with rows in it.
    services.take_ranking_snapshots(now=NOW)
    return state


def test_the_data_package_passes_frictionless_validate(live_server, coahuila, tmp_path):
    url = f"{live_server.url}/datos/datapackage.json"
    media_type, body = fetch(url)
    assert media_type == "application/json"
    package = json.loads(body)
    assert [r["name"] for r in package["resources"]] == list(DATASETS)
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    # The frictionless command, as a publisher or a reader would run it.
    tool = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [tool, "validate", "--json", url],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    report = json.loads(result.stdout)
    errors = [
        (task["name"], error["type"], error.get("note"))
        for task in report["tasks"]
        for error in task["errors"]
    ]
    assert report["valid"], errors
    assert result.returncode == 0
    rows = {task["name"]: task["stats"]["rows"] for task in report["tasks"]}
    names = ("compromisos", "hitos", "compromisos-ogp", "clasificaciones")
    assert all(rows[name] > 0 for name in names), rows


def test_a_states_data_package_describes_its_own_files_and_passes_validate(
    live_server, coahuila, tmp_path
):
    url = f"{live_server.url}/datos/coahuila/datapackage.json"
    package = json.loads(fetch(url)[1])
    assert package["name"] == "ogp-tracker-coahuila"
    assert "Coahuila" in package["title"] and "Coahuila" in package["description"]
    assert package["homepage"] == f"{live_server.url}/estados/coahuila/"
    assert [r["name"] for r in package["resources"]] == list(DATASETS)
    assert all(
        r["path"] == f"{live_server.url}/datos/coahuila/{r['name']}.csv"
        for r in package["resources"]
    )
    national = json.loads(fetch(f"{live_server.url}/datos/datapackage.json")[1])
    assert [r["schema"] for r in package["resources"]] == [
        r["schema"] for r in national["resources"]
    ]
    commitments = package["resources"][0]["path"]
    rows = list(csv.DictReader(io.StringIO(fetch(commitments)[1].decode("utf-8-sig"))))
    assert [r["ogp_id"] for r in rows] == ["MXCOA0001"]
    result = subprocess.run(
        [Path(sys.executable).with_name("frictionless"), "validate", "--json", url],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert json.loads(result.stdout)["valid"], result.stdout[:3000]
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(f"{live_server.url}/datos/no-existe/datapackage.json")
    assert missing.value.code == 404


def test_the_csv_cells_are_as_the_dictionary_says(live_server, coahuila):
    _, body = fetch(f"{live_server.url}/datos/compromisos.csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    row = next(r for r in rows if r["ogp_id"] == "MXCOA0001")
    assert row["inegi_code"] == "05"
    assert row["access_to_information"] == "true"
    assert row["civic_participation"] == "false"
    booleans = [c for c in exports.COMMITMENT_COLUMNS if exports.TYPES.get(c) == "boolean"]
    assert {r[c] for r in rows for c in booleans} == {"true", "false"}
    package = json.loads(fetch(f"{live_server.url}/datos/datapackage.json")[1])
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert fields["inegi_code"]["type"] == "string"
    assert fields["access_to_information"]["trueValues"] == ["true"]


def test_every_column_of_every_download_is_described(live_server, demo):
    package = json.loads(fetch(f"{live_server.url}/datos/datapackage.json")[1])
    for resource in package["resources"]:
        _, body = fetch(resource["path"])
        header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert header == [f["name"] for f in resource["schema"]["fields"]]
        assert header == DATASETS[resource["name"]][1]
        if resource["name"] != "compromisos-ogp":  # OGP's own columns, listed on /datos/
            assert all(f.get("description") for f in resource["schema"]["fields"])


def test_the_data_package_speaks_the_language_of_its_url(live_server, demo):
    spanish = json.loads(fetch(f"{live_server.url}/datos/datapackage.json")[1])
    english = json.loads(fetch(f"{live_server.url}/en/datos/datapackage.json")[1])
    assert spanish["resources"][1]["title"] == "Hitos"
    assert english["resources"][1]["title"] == "Milestones"

    def shape(package):
        return [
            (r["name"], r["path"], [(f["name"], f["type"]) for f in r["schema"]["fields"]])
            for r in package["resources"]
        ]

    assert shape(spanish) == shape(english)


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_the_dcat_catalogue_reads_as_rdf_and_names_real_files(live_server, demo):
    for prefix, language in (("", "es"), ("/en", "en")):
        url = f"{live_server.url}{prefix}/datos/catalogo.jsonld"
        media_type, body = fetch(url)
        assert media_type == "application/ld+json"
        graph = rdflib.Graph().parse(data=body, format="json-ld", publicID=url)
        catalogue = graph.value(predicate=namespace.RDF.type, object=namespace.DCAT.Catalog)
        assert str(catalogue) == url
        datasets = list(graph.objects(catalogue, namespace.DCAT.dataset))
        assert len(datasets) == len(DATASETS)
        for dataset in datasets:
            title = graph.value(dataset, namespace.DCTERMS.title)
            assert title.language == language and str(title)
            assert graph.value(dataset, namespace.DCTERMS.identifier)
            assert graph.value(dataset, namespace.DCTERMS.license) == rdflib.URIRef(
                "https://creativecommons.org/licenses/by/4.0/"
            )
            for distribution in graph.objects(dataset, namespace.DCAT.distribution):
                download = graph.value(distribution, namespace.DCAT.downloadURL)
                declared = str(graph.value(distribution, namespace.DCAT.mediaType))
                assert fetch(str(download))[0] == declared


def test_the_open_data_page_links_both(client, demo):
    for path in ("/datos/", "/en/datos/"):
        page = client.get(path).content.decode()
        assert f'href="{path}datapackage.json"' in page
        assert f'href="{path}catalogo.jsonld"' in page
