"""A journalist prints a state's report from Chromium, and downloads its PDF: one page each,
with the date and the source on it."""

import io

import pypdf
import pytest
from django.utils import timezone

from commitments import services
from tests.test_report_pdf import crowded  # noqa: F401 (a fixture: 200 red milestones)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lit(demo):
    services.flag_stale_milestones(now=timezone.now())


def printed(page, path, paper):
    page.goto(page.base_url + path)
    page.emulate_media(media="print")
    return pypdf.PdfReader(io.BytesIO(page.pdf(format=paper, prefer_css_page_size=False)))


@pytest.mark.parametrize(("state", "paper"), [("guanajuato", "Letter"), ("nuevo-leon", "A4")])
def test_the_report_prints_on_one_page(page, lit, state, paper):
    reader = printed(page, f"/estados/{state}/reporte/", paper)
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Compromisos de gobierno abierto de" in text
    assert f"{page.base_url}/estados/{state}/" in text  # the source
    assert "Fuente:" in text and "CC BY 4.0" in text
    assert "Reporte generado el" in text  # the date
    assert "Ejemplo ilustrativo" in text  # the demo's data, marked on the sheet too


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_two_hundred_red_milestones_still_print_on_one_page(page, crowded, paper):  # noqa: F811
    reader = printed(page, "/estados/queretaro-prueba/reporte/", paper)
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Y 194 hitos en rojo más en el reporte en vivo." in text


def test_the_pdf_report_has_one_page(page, lit):
    page.goto(page.base_url + "/estados/guanajuato/reporte/")
    link = page.get_by_role("link", name="PDF tamaño carta")
    response = page.request.get(page.base_url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    assert len(reader.pages) == 1
    assert "Guanajuato" in reader.pages[0].extract_text()
