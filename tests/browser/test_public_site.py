"""A citizen on the public site in Chromium: the whole walk, accessibility on every page type,
the keyboard alone, and a 375-pixel phone."""

import pytest
from django.utils import timezone

from commitments import services

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_TYPES = [
    "/",
    "/estados/guanajuato/",
    "/compromisos/MXGTO9003/",
    "/instituciones/",
    "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/",
    "/semaforo/",
    "/como-medimos/",
    "/estados/nuevo-leon/reporte/",
    "/en/estados/nuevo-leon/",
    "/diseno/",
]


@pytest.fixture
def lit(demo):
    services.flag_stale_milestones(now=timezone.now())


def test_a_citizen_follows_a_state_down_to_the_evidence(page, lit):
    page.goto(page.base_url + "/")
    page.get_by_role("link", name="Nuevo León", exact=True).click()
    assert page.locator("h1").inner_text() == "Nuevo León"

    # Only overdue or stale commitments.
    page.get_by_label("Solo vencidos o sin actividad").check()
    page.get_by_role("button", name="Aplicar").click()
    assert "alerta=on" in page.url
    assert page.locator(".commitment-list > li").count() == 5

    # Search without accents, keeping the filter in the URL.
    page.get_by_label("Buscar").fill("innovacion datos")
    page.get_by_role("button", name="Aplicar").click()
    assert "q=innovacion+datos" in page.url and "alerta=on" in page.url
    results = page.locator(".commitment-list > li h3")
    assert results.all_inner_texts() == [
        "Participación a través de la innovación con datos abiertos – dataLABNL"
    ]

    results.first.get_by_role("link").click()
    assert page.url.endswith("/compromisos/MXNLE0001/")
    milestone = page.locator("#hito-2")
    assert "Catálogo de datos abiertos" in milestone.inner_text()
    assert "inventario-datos.csv" in milestone.inner_text()
    milestone.locator("summary", has_text="Historial").click()
    assert "Sin avance → En proceso" in milestone.locator(".history").inner_text()

    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/en/compromisos/MXNLE0001/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Milestones").is_visible()


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_serious_accessibility_violation(page, lit, axe, path):
    page.goto(page.base_url + path)
    assert axe(page) == [], path


def test_usable_with_the_keyboard_alone(page, lit):
    page.goto(page.base_url + "/estados/guanajuato/")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.textContent")
    assert skip == "Saltar al contenido"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tab to the search box, type, and submit with Enter: no mouse.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    page.keyboard.type("apaseo")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=apaseo**")
    assert page.locator(".commitment-list > li").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/estados/guanajuato/",
        "/compromisos/MXGTO9003/",
        "/semaforo/",
        "/instituciones/kybernus-guanajuato-guanajuato/",
        "/diseno/",
    ],
)
def test_fits_a_375_pixel_phone(browser, live_server, lit, path):
    context = browser.new_context(
        viewport={"width": 375, "height": 800}, locale="es-MX", bypass_csp=True
    )
    page = context.new_page()
    page.goto(live_server.url + path)
    # Nothing wider than the screen except inside scrollable table wrappers.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow <= 0, path


@pytest.mark.parametrize("path", ["/", "/compromisos/MXGTO9003/", "/api/docs/", "/admin/login/"])
def test_the_content_security_policy_blocks_nothing_the_site_needs(browser, live_server, lit, path):
    # A real browser, the CSP enforced: no page of ours runs into it.
    context = browser.new_context(locale="es-MX")
    page = context.new_page()
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    if path == "/api/docs/":
        page.wait_for_selector(".swagger-ui .information-container")
    context.close()
    assert violations == [], path
