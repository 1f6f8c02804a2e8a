"""The state's report as a PDF, read back as a reader's PDF tool would (pypdf): one page on
Letter and on A4 however many red milestones there are, the state's name, the date, the
addresses, the worst first, the rest counted, and a QR code that encodes the live page."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import formats, timezone, translation
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A4, LETTER

from commitments.models import Milestone
from public import report_pdf
from tests import factories
from tests.clock import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(db):
    """A state with 200 red milestones, each overdue by a different number of days."""
    state = factories.state(name="Querétaro de prueba", slug="queretaro-prueba", is_active=True)
    plan = factories.action_plan(state)
    lead = factories.organisation(state, name="Secretaría de la Contraloría", acronym="SECON")
    commitment = factories.commitment(plan, lead, ogp_id="MXQRO0001")
    today = timezone.localdate(NOW)
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=n,
            title=f"Hito número {n} de la contraloría social con un título muy largo y más",
            starts_on=dt.date(2024, 1, 1),
            due_on=today - dt.timedelta(days=n),
            signal="red",
            light_reason="overdue",
            signal_since=NOW - dt.timedelta(days=n),
            last_activity_at=NOW - dt.timedelta(days=400),
        )
        for n in range(1, 201)
    )
    return state


def pdf_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.content))


def flat(text):
    return " ".join(text.split())


@pytest.mark.parametrize(("paper", "size"), [("carta", LETTER), ("a4", A4)])
def test_one_page_whatever_the_number_of_red_milestones(client, crowded, paper, size):
    reader = pdf_of(client, f"/estados/queretaro-prueba/reporte.pdf?papel={paper}")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == tuple(map(round, size))
    text = flat(reader.pages[0].extract_text())
    assert "Compromisos de gobierno abierto de Querétaro" in text
    today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert f"Datos al {today}" in text
    assert "http://testserver/estados/queretaro-prueba/reporte/" in text
    assert "http://testserver/estados/queretaro-prueba/" in text
    assert "CC BY 4.0" in text
    assert "200 hitos en rojo" in text
    # The most overdue first; the rest counted, with the page that lists them all.
    assert "Hito número 200 " in text
    assert "Hito número 1 " not in text
    shown = len(re.findall(r"Hito número \d+ ", text))
    assert 10 < shown < 200
    assert f"y {200 - shown} más" in text


def test_the_default_paper_is_letter_and_a_wrong_one_is_refused(client, crowded):
    reader = pdf_of(client, "/estados/queretaro-prueba/reporte.pdf")
    assert round(float(reader.pages[0].mediabox.width)) == round(LETTER[0])
    response = client.get("/estados/queretaro-prueba/reporte.pdf?papel=oficio")
    assert response.status_code == 400
    assert "papel=carta" in response.content.decode()
    assert client.get("/estados/no-existe/reporte.pdf").status_code == 404
    for hostile in ("x" * 500, "<script>", "carta%00", "A4"):
        response = client.get("/estados/queretaro-prueba/reporte.pdf", {"papel": hostile})
        assert response.status_code == 400
        assert response["Content-Type"] == "text/plain; charset=utf-8"


def _qr_modules(reader):
    """The QR code's dark modules as drawn in its form: (row, column) from the top left."""
    xobjects = reader.pages[0]["/Resources"]["/XObject"]
    form = xobjects["/FormXob." + report_pdf.QR_NAME].get_object()
    stream = form.get_data().decode("latin-1")
    rects = [
        tuple(map(float, m.groups()))
        for m in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re f", stream)
    ]
    left = min(x for x, _y, _w, _h in rects)
    right = max(x + w for x, _y, w, _h in rects)
    bottom = min(y for _x, y, _w, _h in rects)
    top = max(y + h for _x, y, _w, h in rects)
    return rects, (left, right, bottom, top)


def test_the_qr_code_encodes_the_live_report_page(client, crowded):
    reader = pdf_of(client, "/estados/queretaro-prueba/reporte.pdf")
    url = "http://testserver/estados/queretaro-prueba/reporte/"
    rects, (left, right, bottom, top) = _qr_modules(reader)
    expected = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    expected.addData(url)
    expected.make()
    n = expected.getModuleCount()
    module = (right - left) / n
    assert abs((top - bottom) - (right - left)) < 0.01

    def dark(row, col):
        x, y = left + (col + 0.5) * module, top - (row + 0.5) * module
        return any(rx <= x <= rx + w and ry <= y <= ry + h for rx, ry, w, h in rects)

    drawn = [[dark(r, c) for c in range(n)] for r in range(n)]
    assert drawn == [[bool(expected.isDark(r, c)) for c in range(n)] for r in range(n)]
    # Clicked in a PDF reader, it opens the page too.
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert url in links


def test_english_under_en(client, crowded):
    with translation.override("en"):
        reader = pdf_of(client, "/en/estados/queretaro-prueba/reporte.pdf?papel=a4")
    text = flat(reader.pages[0].extract_text())
    assert "Open government commitments of Querétaro" in text
    assert "http://testserver/en/estados/queretaro-prueba/reporte/" in text


def test_demo_data_is_marked_and_real_data_is_not(client, demo, crowded):
    text = flat(pdf_of(client, "/estados/guanajuato/reporte.pdf").pages[0].extract_text())
    assert "Ejemplo ilustrativo" in text
    assert "Guanajuato" in text
    text = flat(pdf_of(client, "/estados/queretaro-prueba/reporte.pdf").pages[0].extract_text())
    assert "Ejemplo ilustrativo" not in text


def test_a_state_with_no_red_milestone_says_so(client, db):
    state = factories.state(name="Coahuila de prueba", slug="coahuila-prueba", is_active=True)
    factories.action_plan(state)
    text = flat(pdf_of(client, f"/estados/{state.slug}/reporte.pdf").pages[0].extract_text())
    assert "Ningún hito está en rojo." in text
