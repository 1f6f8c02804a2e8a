"""The main public pages in Chromium on a 375-pixel phone and a 1280-pixel desktop: axe finds
no violation at all, nothing is wider than the screen (tables stack into cards instead of
scrolling), every control is at least 44 px high, and a screenshot of each is kept with the
test output.

Screenshots go to $SCREENSHOT_DIR (CI keeps it as an artefact), by default
var/test-screenshots/, one file per page and width: home-375.png, estado-1280.png...
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from commitments import services
from tests.browser.test_design import TARGETS

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {
    "home": "/",
    "estado": "/estados/nuevo-leon/",
    "compromiso": "/compromisos/MXGTO9003/",
    "semaforo": "/semaforo/",
    "instituciones": "/instituciones/",
    "institucion": "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/",
    "busqueda": "/buscar/?q=datos+abiertos",
    "widget": "/estados/nuevo-leon/widget/",
}
WIDTHS = (375, 1280)


def screenshot_dir():
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(settings.VAR_DIR) / "test-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def lit(demo):
    services.flag_stale_milestones(now=timezone.now())


@pytest.fixture
def axe_all(axe):
    """axe-core's violations of every impact, minor included."""
    source = (Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js").read_text()

    def check(page):
        page.add_script_tag(content=source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
        ]

    return check


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_main_pages_pass_axe_fit_the_screen_and_are_photographed(
    browser, live_server, lit, axe_all, name, width
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="es-MX", bypass_csp=True
    )
    page = context.new_page()
    page.goto(live_server.url + PAGES[name])
    page.wait_for_load_state("networkidle")
    page.screenshot(path=screenshot_dir() / f"{name}-{width}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    # Every cell of every table inside the screen: no column lost off its right edge.
    cells_outside = page.evaluate(
        """(width) => [...document.querySelectorAll('table.data th, table.data td')]
            .filter(c => c.offsetParent !== null)
            .filter(c => c.getBoundingClientRect().right > width + 0.5).length""",
        width,
    )
    # Every control and stand-alone link a finger's size (tests/browser/test_design.py).
    small = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY')
            .map(e => [e.tagName, (e.textContent || e.name || '').trim().slice(0, 30),
                       Math.round(e.getBoundingClientRect().height)])
            .filter(([, , h]) => h > 0 && h < 44)""",
        TARGETS,
    )
    # The milestones carry their own numbers: no list number before them ("1. 1.").
    markers = page.evaluate(
        "[...document.querySelectorAll('ol.timeline')].map(o => getComputedStyle(o).listStyleType)"
    )
    violations = axe_all(page)
    context.close()
    assert violations == [], (name, width)
    assert overflow <= 0, (name, width)
    assert cells_outside == 0, (name, width)
    assert small == [], (name, width)
    assert all(m == "none" for m in markers), markers


@pytest.mark.parametrize("width", WIDTHS)
def test_after_applying_filters_the_results_are_in_view(browser, live_server, lit, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="es-MX")
    page = context.new_page()
    page.goto(live_server.url + "/estados/guanajuato/")
    page.get_by_label("Solo vencidos o sin actividad").check()
    page.get_by_role("button", name="Aplicar").click()
    page.wait_for_url("**alerta=on**")
    top = page.evaluate("document.getElementById('resultados').getBoundingClientRect().top")
    first = page.evaluate(
        "document.querySelector('.commitment-list > li').getBoundingClientRect().top"
    )
    context.close()
    assert -2 <= top < 800 and first < 800, (top, first)  # scrolled to the results
