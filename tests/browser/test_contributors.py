"""An official reports a milestone completed with evidence, a CSO disputes it, and the public
page shows both; the contributor pages have no serious accessibility violation."""

import pytest

from commitments.models import Milestone

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "demo-ogp-2026"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def sign_in(page, username, axe=None):
    page.goto(page.base_url + "/")
    page.get_by_role("link", name="Iniciar sesión").click()
    if axe:
        assert axe(page) == []
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/panel/")


def test_official_completes_cso_disputes_public_sees_both(page, demo, axe, tmp_path):
    milestone = Milestone.objects.get(commitment__ogp_id="MXGTO9004", number=2)
    milestone_url = f"{page.base_url}/panel/hitos/{milestone.pk}/"

    sign_in(page, "oficial.guanajuato", axe)
    assert page.get_by_role("heading", name="Hitos que requieren atención").is_visible()
    assert axe(page) == []
    page.goto(milestone_url)
    assert axe(page) == []

    # Completed without evidence is refused, in Spanish.
    page.locator("#id_status-status").select_option("completed")
    page.locator("#id_status-note").fill("Guía publicada")
    page.get_by_role("button", name="Guardar el estatus").click()
    assert (
        page.locator("#id_status-status_error").get_by_text("al menos una evidencia").is_visible()
    )
    assert page.locator("#error-summary").get_by_text("al menos una evidencia").is_visible()

    report = tmp_path / "guia-ciudadana.pdf"
    report.write_bytes(PDF)
    page.locator("#id_evidence-title").fill("Guía ciudadana publicada")
    page.locator("#id_evidence-file").set_input_files(str(report))
    page.get_by_role("button", name="Agregar la evidencia").click()
    assert page.get_by_text("Evidencia agregada.").is_visible()

    page.locator("#id_status-status").select_option("completed")
    page.locator("#id_status-note").fill("Guía publicada en el portal estatal")
    page.get_by_role("button", name="Guardar el estatus").click()
    assert page.get_by_text("Estatus reportado.").is_visible()
    assert "Completado (100 %)" in page.locator("#reported-status").inner_text()
    page.get_by_role("button", name="Cerrar sesión").click()

    sign_in(page, "osc.guanajuato")
    page.goto(milestone_url)
    assert axe(page) == []
    page.get_by_label("En disputa", exact=True).check()
    page.locator("#id_verification-reason").fill("La guía no está en el portal estatal")
    page.get_by_role("button", name="Registrar la verificación").click()
    assert page.get_by_text("Verificación registrada.").is_visible()
    page.get_by_role("button", name="Cerrar sesión").click()

    page.goto(page.base_url + "/compromisos/MXGTO9004/")
    # This milestone's pair (the demo disputes another milestone of the commitment too).
    pair = page.locator(f"#hito-{milestone.number} .status-pair.disputed")
    assert pair.count() == 1
    assert page.locator(".status-pair.disputed").count() == 2
    text = pair.inner_text()
    assert "El gobierno reporta: Completado (100 %)" in text
    assert "En disputa" in text
    assert "La guía no está en el portal estatal" in text
    assert page.get_by_role("link", name="Guía ciudadana publicada").is_visible()
    assert axe(page) == []


def test_official_cannot_open_another_states_milestone(page, demo):
    other = Milestone.objects.get(commitment__ogp_id="MXNLE9001", number=3)
    sign_in(page, "oficial.guanajuato")
    response = page.goto(f"{page.base_url}/panel/hitos/{other.pk}/")
    assert response.status == 403


def test_account_pages_have_no_serious_violations(page, demo, axe):
    from django.utils import timezone

    from accounts import services
    from states.models import Organisation

    organisation = Organisation.objects.get(name="Kybernus Guanajuato")
    _invitation, link = services.invite(
        email="nueva@example.org",
        state=organisation.state,
        organisation=organisation,
        role="cso",
        invited_by=None,
        now=timezone.now(),
    )
    page.goto(page.base_url + "/" + link.split("/", 3)[3])
    assert page.get_by_role("heading", name="Crea tu cuenta").is_visible()
    assert axe(page) == []
    page.goto(page.base_url + "/cuenta/contrasena/olvide/")
    assert page.get_by_role("heading", name="Restablece tu contraseña").is_visible()
    assert axe(page) == []
