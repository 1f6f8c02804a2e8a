"""The right of reply in a real browser: the official answers a dispute in the panel, the
organisation maintains it with its rejoinder, and the public page shows the thread with
organisations only; the pages have no serious accessibility violation."""

import pytest
from django.utils import timezone

from tests import disputes as d

from .test_contributors import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_answer_then_rejoinder_through_the_panel(page, demo, axe):
    milestone = d.milestone()
    d.open_dispute(milestone, now=timezone.now())
    milestone_url = f"{page.base_url}/panel/hitos/{milestone.pk}/"

    sign_in(page, "oficial.guanajuato")
    page.goto(milestone_url)
    assert page.get_by_text("disputa sin respuesta: 0 días").is_visible()
    assert page.get_by_role("button", name="Retirar").count() == 0
    assert axe(page) == []
    page.get_by_label("Respuesta de tu institución").fill("La guía está en el anexo 3")
    page.get_by_role("button", name="Responder", exact=True).click()
    assert page.get_by_text("Respuesta publicada.").is_visible()
    assert page.get_by_role("button", name="Responder", exact=True).count() == 0
    page.get_by_role("button", name="Cerrar sesión").click()

    sign_in(page, "osc.guanajuato")
    page.goto(milestone_url)
    assert page.get_by_role("heading", name="Replicar la respuesta").is_visible()
    assert axe(page) == []
    # Maintaining without saying why is refused, in Spanish, and nothing changes.
    page.get_by_role("button", name="Mantener").click()
    assert page.get_by_text(
        "Di por qué la respuesta no resuelve la disputa.", exact=True
    ).is_visible()
    page.get_by_label("Tu réplica").fill("El anexo 3 no contiene la guía")
    page.get_by_role("button", name="Mantener").click()
    assert page.get_by_text("Disputa mantenida.").is_visible()
    page.get_by_role("button", name="Cerrar sesión").click()

    page.goto(page.base_url + "/compromisos/MXGTO9004/")
    thread = page.locator(f"#hito-{milestone.number} .dispute-thread")
    text = thread.inner_text()
    assert "Mantenida: la organización no quedó satisfecha con la respuesta" in text
    assert "Respuesta del gobierno · Secretaría de la Honestidad" in text
    assert "La guía está en el anexo 3" in text
    assert "Réplica · Colores del Rincón" in text
    assert "Ana" not in text and "Beatriz" not in text
    assert axe(page) == []
