"""A state's press kit: one ZIP with the report on both papers, the state's CSVs (the same
bytes as its downloads), its plan charts and a README that says what each file is."""

import io
import zipfile

import pypdf
import pytest
from django.utils import formats, timezone

from api import exports

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit(client, demo):
    response = client.get("/estados/guanajuato/kit-de-prensa.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="kit-de-prensa-guanajuato.zip"' in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_kit_holds_the_report_the_csvs_the_charts_and_a_readme(client, kit):
    names = kit.namelist()
    assert names[:4] == [
        "reporte-guanajuato-carta.pdf",
        "reporte-guanajuato-a4.pdf",
        "hitos-guanajuato.csv",
        "compromisos-guanajuato.csv",
    ]
    charts = [n for n in names if n.startswith("grafica-plan-")]
    assert charts and all(kit.read(n).startswith(b"\x89PNG\r\n\x1a\n") for n in charts)
    assert names[-1] == "README.txt"
    # The state's share card, as its page's og:image: a PNG of 1200×630.
    card = kit.read("tarjeta-guanajuato.png")
    assert card.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(card[16:20], "big"), int.from_bytes(card[20:24], "big")) == (1200, 630)
    assert "tarjeta-guanajuato.png" in kit.read("README.txt").decode()
    for name in names[:2]:
        reader = pypdf.PdfReader(io.BytesIO(kit.read(name)))
        assert len(reader.pages) == 1
        assert "Guanajuato" in reader.pages[0].extract_text()


def test_the_csvs_are_the_states_downloads(client, kit):
    for dataset, columns in (
        ("hitos", exports.MILESTONE_COLUMNS),
        ("compromisos", exports.COMMITMENT_COLUMNS),
    ):
        download = b"".join(client.get(f"/datos/guanajuato/{dataset}.csv").streaming_content)
        body = kit.read(f"{dataset}-guanajuato.csv")
        assert body == download
        assert body.decode("utf-8-sig").splitlines()[0] == ",".join(columns)
        assert "Nuevo León" not in body.decode("utf-8-sig")


def test_the_readme_says_source_date_licence_and_each_file(kit):
    readme = kit.read("README.txt").decode("utf-8")
    assert "Kit de prensa: compromisos de gobierno abierto de Guanajuato" in readme
    assert "Fuente: OGP Tracker, http://testserver/estados/guanajuato/" in readme
    assert f"Datos al {formats.date_format(timezone.localdate(), 'DATE_FORMAT')}" in readme
    assert "CC BY 4.0" in readme
    for name in kit.namelist():
        assert f"- {name}: " in readme


def test_an_unknown_state_has_no_kit(client, demo):
    assert client.get("/estados/no-existe/kit-de-prensa.zip").status_code == 404


def test_a_cached_kit_keeps_its_file_name(client, demo, settings):
    """The cache replays the download's name with its bytes (commitments.cache.KEPT_HEADERS)."""
    settings.PUBLIC_PAGE_CACHE = True
    first = client.get("/estados/guanajuato/kit-de-prensa.zip")
    again = client.get("/estados/guanajuato/kit-de-prensa.zip")
    assert again.content == first.content
    assert again["Content-Disposition"] == 'attachment; filename="kit-de-prensa-guanajuato.zip"'
    pdf = client.get("/estados/guanajuato/reporte.pdf?papel=a4")
    assert client.get("/estados/guanajuato/reporte.pdf?papel=a4").content == pdf.content
    assert (
        'filename="reporte-guanajuato-a4.pdf"'
        in client.get("/estados/guanajuato/reporte.pdf?papel=a4")["Content-Disposition"]
    )
