"""The charts of a state's plans: one axis per plan, a legend, today marked, labels that
neither overlap nor leave the frame at either size, a table beside each, and a file to
download with the site's credit."""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest

from commitments import services
from commitments.models import ActionPlan, Milestone
from public import charts
from tests.clock import NOW, TODAY

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def lit(demo_unwatched, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_stale_milestones(now=NOW)


def points(months, start=dt.date(2025, 3, 1)):
    out, month = [], start
    for i in range(months):
        out.append({"month": month, "planned": 3 * i, "completed": i if i < months // 2 else None})
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


@pytest.mark.parametrize("months", [1, 2, 3, 7, 12, 13, 24, 25, 31, 37, 60, 61, 121])
@pytest.mark.parametrize("size", charts.SIZES, ids=lambda s: s.name)
def test_month_labels_never_overlap_nor_leave_the_frame(months, size):
    chart = charts.draw(points(months), size, today=dt.date(2026, 1, 15))
    half = charts.LABEL_CHARS * charts.CHAR * size.font / 2
    spans = []
    for label in chart["x_labels"]:
        start = {"start": label["x"], "middle": label["x"] - half, "end": label["x"] - 2 * half}
        spans.append((start[label["anchor"]], start[label["anchor"]] + 2 * half))
    assert spans, months
    assert spans[0][0] >= 0 and spans[-1][1] <= size.width
    assert all(a_end < b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))
    # Two labels at least, once the axis spans more than a couple of months.
    assert len(spans) >= (2 if months >= 3 else 1)


def test_today_is_marked_inside_the_plan_and_not_outside():
    chart = charts.draw(points(24), charts.SIZES[0], today=dt.date(2026, 3, 16))
    assert chart["left"] < chart["today"]["x"] < chart["right"]
    # Half way through March 2026: between the points of February and March.
    step = (chart["right"] - chart["left"]) / 23
    assert chart["left"] + 11 * step < chart["today"]["x"] < chart["left"] + 12 * step
    assert charts.draw(points(24), charts.SIZES[0], today=dt.date(2030, 1, 1))["today"] is None
    assert charts.draw(points(24), charts.SIZES[0], today=dt.date(2024, 1, 1))["today"] is None


def test_each_plan_has_its_own_chart_axis_table_and_download(client, lit):
    html = client.get("/estados/nuevo-leon/").content.decode()
    plans = ActionPlan.objects.filter(state__slug="nuevo-leon").order_by("-starts_on")
    figures = re.findall(r'<figure class="chart".*?</figure>', html, re.S)
    assert len(figures) == plans.count() == 2
    for plan, figure in zip(plans, figures, strict=True):
        assert "<h3 " in figure and plan.title in figure
        # Both sizes, each labelled by the caption, with the legend's words.
        assert figure.count("<svg") == 2
        assert figure.count('aria-labelledby="chart-caption-') == 2
        assert figure.count(">Planeados</text>") == 2
        assert figure.count(">Completados</text>") == 2
        # The axis runs from the plan's own months: nothing of the other plan.
        years = {int(y) for y in re.findall(r">\w{3} (\d{4})</text>", figure)}
        assert years and min(years) >= plan.starts_on.year - 1
        assert max(years) <= max(plan.ends_on.year, TODAY.year) + 1
        url = f"/estados/nuevo-leon/planes/{plan.number}/grafica.svg"
        assert url in html
    current = plans.filter(starts_on__lte=TODAY, ends_on__gte=TODAY).first()
    assert current is not None
    assert ">Hoy</text>" in figures[list(plans).index(current)]
    assert html.count("<summary>Datos de la gráfica en una tabla</summary>") == 2


def test_the_completed_count_is_the_count_so_far(client, lit):
    html = client.get("/estados/nuevo-leon/").content.decode()
    plan = ActionPlan.objects.get(state__slug="nuevo-leon", number=1)
    done = Milestone.objects.filter(commitment__action_plan=plan, completed_on__lte=TODAY).count()
    # An undated milestone has no place on the planned line (MXMTY0005.2).
    planned = Milestone.objects.filter(commitment__action_plan=plan, due_on__isnull=False).count()
    assert planned < Milestone.objects.filter(commitment__action_plan=plan).count()
    assert f"Hitos acumulados: {planned} con fecha compromiso planeada al final del plan" in html
    assert f"y {done} completados hasta hoy" in html


def test_the_chart_downloads_as_svg_with_the_sites_credit(client, lit):
    response = client.get("/estados/nuevo-leon/planes/1/grafica.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314  (our own page) a well-formed file
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}style") is not None  # no stylesheet of the site needed
    texts = [t.text for t in root.iter(f"{SVG}text")]
    credit = texts[-1]
    assert credit.startswith("OGP Tracker · http://testserver/estados/nuevo-leon/ · ")
    assert credit.endswith(" · CC BY 4.0")
    assert "Planeados" in texts
    english = client.get("/en/estados/nuevo-leon/planes/1/grafica.svg").content.decode()
    assert ">Planned</text>" in english and "/en/estados/nuevo-leon/" in english


def test_the_chart_downloads_as_png_with_the_sites_credit(client, lit):
    from PIL import Image

    svg = ET.fromstring(client.get("/estados/nuevo-leon/planes/1/grafica.svg").content)  # noqa: S314
    response = client.get("/estados/nuevo-leon/planes/1/grafica.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "PNG"
    # Twice the SVG's pixels, so it stays sharp on a slide.
    assert picture.size == (2 * int(svg.get("width")), 2 * int(svg.get("height")))
    # The credit is drawn in the strip under the chart: dark pixels at its right end.
    grey = picture.convert("L")
    width, height = grey.size
    strip = grey.crop((width // 2, height - 30, width - 8, height - 4))
    assert strip.getextrema()[0] < 128
    html = client.get("/estados/nuevo-leon/").content.decode()
    assert (
        'href="/estados/nuevo-leon/planes/1/grafica.png" download="nuevo-leon-plan-1.png"' in html
    )


def test_unknown_plans_have_no_chart(client, lit):
    assert client.get("/estados/nuevo-leon/planes/99/grafica.svg").status_code == 404
    assert client.get("/estados/no-existe/planes/1/grafica.svg").status_code == 404
    assert client.get("/estados/nuevo-leon/planes/99/grafica.png").status_code == 404


def test_pictures_are_drawn_with_the_sites_own_font():
    """The PNG's font is the web font unpacked to TrueType (bin/vendor-static), glyph for
    glyph, and resvg reads no other: every machine draws the same picture."""
    from fontTools.ttLib import TTFont

    from public import charts

    web = TTFont(
        "static/fonts/atkinson-hyperlegible-next/atkinson-hyperlegible-next-latin-wght-normal.woff2"
    )
    picture = TTFont(charts.PICTURE_FONT)
    assert picture.getGlyphOrder() == web.getGlyphOrder()
    assert picture["name"].getDebugName(1) == web["name"].getDebugName(1)
    assert picture.flavor is None  # TrueType, which resvg reads
