"""The design system in Chromium: the web font really loads from our files, nothing asks for
a missing file (the favicon's 404 is gone), and every control is a finger's size."""

import pytest
from django.utils import timezone

from commitments import services

pytestmark = pytest.mark.django_db(transaction=True)

# Controls and stand-alone links; links inside sentences and table cells are exempt
# (WCAG 2.5.8), and so are checkboxes, whose label is part of the target.
TARGETS = (
    "button, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), "
    ".main-nav a, .header-tools a, .pagination a, .site-footer ul a, summary, .breadcrumb a, "
    ".actions a, .field-check"
)


@pytest.fixture
def lit(demo):
    services.flag_stale_milestones(now=timezone.now())


def test_the_font_and_icons_load_from_the_site_itself(page, lit):
    requests, failures = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: r.status >= 400 and failures.append((r.status, r.url)))
    page.goto(page.base_url + "/estados/nuevo-leon/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.fonts.check('16px \"Atkinson Hyperlegible Next\"')")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert "Atkinson Hyperlegible Next" in loaded
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert body_font.startswith('"Atkinson Hyperlegible Next"')
    assert all(url.startswith(page.base_url) for url in requests), requests
    assert any(url.endswith(".woff2") for url in requests)
    # The browser asks for the icon the page names, and finds it.
    icon = page.request.get(page.base_url + "/favicon.ico")
    assert icon.status == 200
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/estados/guanajuato/",
        "/instituciones/",
        "/semaforo/",
        "/cuenta/entrar/",
        "/diseno/",
        "/compromisos/MXNLE0001/",
    ],
)
@pytest.mark.parametrize("width", [375, 1280])
def test_every_control_is_at_least_44_pixels_high(browser, live_server, lit, path, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="es-MX")
    page = context.new_page()
    page.goto(live_server.url + path)
    small = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY')
            .map(e => [e.tagName, e.className, (e.textContent || e.name || '').trim().slice(0, 30),
                       Math.round(e.getBoundingClientRect().height)])
            .filter(([, , , h]) => h > 0 && h < 44)""",
        TARGETS,
    )
    font_sizes = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && e.type !== 'checkbox' && e.offsetParent !== null)
            .map(e => parseFloat(getComputedStyle(e).fontSize))"""
    )
    context.close()
    assert small == [], (path, width)
    # 16 px or more: phones do not zoom into the field.
    assert all(size >= 16 for size in font_sizes), (path, font_sizes)


def test_the_admin_login_wears_the_skin(page, lit):
    page.goto(page.base_url + "/admin/login/")
    assert page.locator("#site-name").inner_text().startswith("OGP Tracker")
    header = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    assert header == "rgb(11, 37, 69)"  # --color-brand
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Atkinson Hyperlegible Next" in font
    assert page.title().endswith("Administración de OGP Tracker")


@pytest.mark.parametrize("width", [375, 1280])
def test_chart_text_is_readable_and_nothing_is_clipped(browser, live_server, lit, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="es-MX")
    page = context.new_page()
    page.goto(live_server.url + "/estados/nuevo-leon/")
    shown = page.evaluate(
        """() => [...document.querySelectorAll('figure.chart svg')]
            .filter(svg => getComputedStyle(svg).display !== 'none')
            .map(svg => {
                const box = svg.getBoundingClientRect();
                const texts = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
                return {
                    kind: svg.getAttribute('class'),
                    smallest: Math.min(...texts.map(t => t.height)),
                    outside: texts.filter(t => t.left < box.left - 0.5
                        || t.right > box.right + 0.5 || t.top < box.top - 0.5
                        || t.bottom > box.bottom + 0.5).length,
                };
            })"""
    )
    context.close()
    assert [s["kind"] for s in shown] == ["chart-narrow" if width == 375 else "chart-wide"] * 2
    for chart in shown:
        assert chart["outside"] == 0, chart
        assert chart["smallest"] >= 12, chart  # a 12 px box: text of about 10 px or more
