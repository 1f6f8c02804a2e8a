"""An official updates ten milestones in one submit from the worklist while someone else changes
one of them: nine are saved, the tenth is reported on its row with what changed and the
official's input kept, and a second submit applies it. The panel's pages have no serious
accessibility violation at 375 and 1280 px, and their controls are at least 44 px tall."""

import datetime as dt

import pytest
from django.utils import timezone

from commitments import permissions, services
from commitments.models import Commitment, Milestone, StatusUpdate
from states.models import Membership, State

from .test_contributors import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _ten_unfinished_milestones(now):
    """Ten unfinished milestones the Guanajuato official may report on (the state lets any of
    its officials report; the demo has fewer open ones, so a commitment gets a few more)."""
    State.objects.filter(slug="guanajuato").update(any_official_may_report=True)
    official = Membership.objects.get(user__username="oficial.guanajuato").user

    def unfinished():
        return list(
            permissions.workable_milestones(official)
            .exclude(status=Milestone.Status.COMPLETED)
            .order_by("commitment__ogp_id", "number")
        )

    found = unfinished()
    commitment = Commitment.objects.get(ogp_id="MXGTO9004")
    today = timezone.localdate(now)
    for n in range(10 - len(found)):
        services.create_milestone(
            commitment=commitment,
            now=now,
            number=20 + n,
            title=f"Informe trimestral {n + 1}",
            starts_on=today - dt.timedelta(days=30),
            due_on=today + dt.timedelta(days=60 + n),
        )
    return unfinished()[:10]


def test_an_official_updates_ten_milestones_in_one_submit_one_conflicting(page, demo):
    now = timezone.now()
    ten = _ten_unfinished_milestones(now)
    assert len(ten) == 10
    sign_in(page, "oficial.guanajuato")
    page.goto(page.base_url + "/panel/hitos/?orden=compromiso")
    for m in ten:
        page.locator(f"#sel-{m.pk}").check()
    page.get_by_role("button", name="Reportar los seleccionados").click()
    page.wait_for_url("**/panel/hitos/actualizar/**")
    assert page.locator("fieldset.bulk-row").count() == 10
    for i, m in enumerate(ten):
        page.locator(f"#id_m{m.pk}-status").select_option("in_progress")
        page.locator(f"#id_m{m.pk}-progress").fill(str(10 + i))
    conflicting = ten[4]
    page.locator(f"#id_m{conflicting.pk}-note").fill("Mi nota para este hito")
    page.locator("#id_nota_comun").fill("Avance del trimestre")

    # Meanwhile another official reports on one of them.
    services.report_status(
        milestone=conflicting,
        membership=Membership.objects.get(user__username="oficial.guanajuato"),
        base_version=conflicting.version,
        status="in_progress",
        progress=77,
        note="Reporte de la coordinación",
        now=timezone.now(),
    )
    page.get_by_role("button", name="Guardar todas las filas cambiadas").click()

    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "9 filas guardadas; 1 fila sin guardar" in summary.inner_text()
    row = page.locator(f"#m{conflicting.pk}")
    assert "Reporte de la coordinación" in row.inner_text()
    assert page.locator(f"#id_m{conflicting.pk}-note").input_value() == "Mi nota para este hito"
    for i, m in enumerate(ten):
        m.refresh_from_db()
        if m.pk == conflicting.pk:
            assert m.progress == 77
        else:
            assert m.progress == 10 + i
            assert StatusUpdate.objects.filter(milestone=m).latest("id").note == (
                "Avance del trimestre"
            )

    # Sending again applies the official's input over the change they were shown.
    page.get_by_role("button", name="Guardar todas las filas cambiadas").click()
    assert page.get_by_text("1 hito guardado.").is_visible()
    conflicting.refresh_from_db()
    assert conflicting.progress == 14
    assert StatusUpdate.objects.filter(milestone=conflicting).latest("id").note == (
        "Mi nota para este hito"
    )


TOUCH_TARGETS = """() => [...document.querySelectorAll(
    'main button, main select, main input:not([type=hidden]):not([type=checkbox]), main textarea'
  )].filter(e => e.offsetParent !== null)
   .map(e => [e.id || e.name || e.textContent.trim(), e.getBoundingClientRect().height])
   .filter(([name, height]) => height < 44)"""


@pytest.mark.parametrize("width", [375, 1280])
def test_the_panel_passes_axe_and_has_large_targets(page, demo, axe, width):
    page.set_viewport_size({"width": width, "height": 900})
    milestone = Milestone.objects.get(commitment__ogp_id="MXGTO9004", number=2)
    sign_in(page, "oficial.guanajuato")
    for path in (
        "/panel/",
        "/panel/hitos/",
        "/panel/hitos/actualizar/",
        f"/panel/hitos/{milestone.pk}/",
    ):
        page.goto(page.base_url + path)
        assert axe(page) == [], path
        assert page.evaluate(TOUCH_TARGETS) == [], path
        # Nothing wider than the screen on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    # A refused bulk row: the error summary at the top, its links to the rows.
    page.goto(page.base_url + "/panel/hitos/actualizar/")
    page.locator(f"#id_m{milestone.pk}-progress").fill("100")
    page.locator(f"#id_m{milestone.pk}-note").fill("Listo")
    page.get_by_role("button", name="Guardar todas las filas cambiadas").click()
    assert page.locator("#error-summary").is_visible()
    assert axe(page) == []
    page.get_by_role("button", name="Cerrar sesión").click()
    sign_in(page, "osc.guanajuato")
    page.goto(page.base_url + "/panel/hitos/actualizar/?modo=verificacion")
    assert axe(page) == []
    assert page.evaluate(TOUCH_TARGETS) == []
