"""Atom feeds of each state and commitment: well-formed, and listing what happened."""

import xml.etree.ElementTree as ET

import pytest

from commitments import services as commitment_services

from .conftest import NOW

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None, required
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    return root, [e.find(f"{ATOM}title").text for e in entries]


def test_state_feed_lists_red_milestones_evidence_and_status_updates(client, demo_unwatched):
    commitment_services.flag_stale_milestones(now=NOW)
    root, titles = parse(client.get("/estados/nuevo-leon/feed/"))
    assert root.find(f"{ATOM}title").text == (
        "Nuevo León: semáforos, evidencias y actualizaciones de estatus"
    )
    assert "Hito en rojo: [Ejemplo ilustrativo] MXNLE0001.4 Informe final de resultados" in titles
    # Every entry is of demo data here, each marked as such (commitments.demo_marks.marked).
    assert any(t.startswith("Nueva evidencia de [Ejemplo ilustrativo] MXNLE") for t in titles)
    assert any(
        t.startswith("Actualización de estatus de [Ejemplo ilustrativo] MXNLE") for t in titles
    )
    assert not any("MXGTO" in t for t in titles)


def test_commitment_feed_in_english(client, demo_unwatched):
    commitment_services.flag_stale_milestones(now=NOW)
    _, titles = parse(client.get("/en/compromisos/MXNLE0001/feed/"))
    assert (
        "Milestone turned red: [Illustrative example] MXNLE0001.4 Informe final de resultados"
        in titles
    )
    assert all("MXNLE0001." in t for t in titles)


def test_unknown_subjects_have_no_feed(client, demo):
    assert client.get("/estados/atlantida/feed/").status_code == 404
    assert client.get("/compromisos/MXXX0000/feed/").status_code == 404
