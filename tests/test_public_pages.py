"""The public site as an anonymous citizen sees it, in Spanish first."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from commitments import services
from commitments.models import Commitment, Milestone, Transition
from states.models import State
from tests.clock import NOW, day

pytestmark = pytest.mark.django_db
MX = timezone.get_default_timezone()


@pytest.fixture
def lit(demo_unwatched, django_capture_on_commit_callbacks):
    """The demo with its traffic lights computed by the clock, as the worker does."""
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_stale_milestones(now=NOW)


MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"


def es(date):
    """A date as the Spanish pages write it."""
    return f"{date.day} de {MONTHS.split()[date.month - 1]} de {date.year}"


def html_of(client, url, params=None, status=200):
    response = client.get(url, params)
    assert response.status_code == status, url
    return response.content.decode()


def titles(html):
    return re.findall(r'<h3><a href="/(?:en/)?compromisos/([A-Z0-9]+)/">', html)


def test_home_in_spanish_with_both_states_and_national_totals(client, lit):
    html = html_of(client, "/")
    assert '<html lang="es-mx">' in html
    assert "Compromisos de gobierno abierto de los estados de México" in html
    assert 'href="/estados/guanajuato/"' in html
    assert 'href="/estados/nuevo-leon/"' in html
    assert "Totales nacionales" in html
    # Guanajuato: 7 commitments (one without milestones yet), 20 milestones of which 10
    # completed (50 %).
    assert "7 compromisos" in html
    assert "50 % de los hitos completados (10 de 20)" in html
    assert "Rojo: vencido o sin actividad" in html
    assert "Última actualización" in html


def test_english_under_en_with_a_visible_switch(client, lit):
    html = html_of(client, "/estados/guanajuato/?alerta=on")
    assert 'href="/en/estados/guanajuato/?alerta=on" hreflang="en" lang="en">English</a>' in html
    html = html_of(client, "/en/estados/guanajuato/?alerta=on")
    assert '<html lang="en">' in html
    assert "Milestones completed against milestones planned" in html
    assert 'hreflang="es-mx" lang="es-mx">Español</a>' in html
    assert "1 July 2019" in html or "July 1, 2019" in html


def test_state_page_lists_commitments_with_their_row(client, lit):
    html = html_of(client, "/estados/nuevo-leon/")
    assert "Plan de Acción Local de Nuevo León 2022-2024" in html
    assert "Participación a través de la innovación con datos abiertos – dataLABNL" in html
    lead = "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/"
    assert f'Institución líder: <a href="{lead}">Secretaría de Participación Ciudadana</a>' in html
    assert "Próximo hito por vencer" in html
    assert "<progress" in html
    assert "6 compromisos encontrados" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("alerta=on", {"MXNLE0001", "MXNLE0002", "MXSPG0003", "MXMTY0005", "MXNLE9002"}),
        ("estatus=completed", set()),
        (
            "estatus=in_progress",
            {"MXNLE0001", "MXNLE0002", "MXSPG0003", "MXMTY0005", "MXNLE9001", "MXNLE9002"},
        ),
        ("plan=2", {"MXNLE9001", "MXNLE9002"}),
        ("valor=technology_and_innovation", {"MXNLE0001", "MXMTY0005", "MXNLE9002"}),
        ("tema=Presupuesto+abierto", {"MXNLE9001"}),
        ("q=inexistente", set()),
    ],
)
def test_filters(client, lit, query, expected):
    assert set(titles(html_of(client, f"/estados/nuevo-leon/?{query}"))) == expected


@pytest.mark.parametrize(
    ("text", "found", "not_found"),
    [
        # Lead institution "Consejo Nuevo León para la Planeación Estratégica" counts too.
        ("nuevo leon", {"MXNLE0002", "MXSPG0003", "MXNLE9002"}, {"MXNLE0001", "MXNLE9001"}),
        ("NUEVO LEÓN", {"MXNLE0002", "MXSPG0003", "MXNLE9002"}, {"MXNLE0001", "MXNLE9001"}),
        ("participacion", {"MXNLE0001", "MXNLE0002"}, {"MXSPG0003", "MXNLE9002"}),
        ("participación datos", {"MXNLE0001"}, {"MXNLE0002", "MXSPG0003"}),
        ("transparencia proactiva", {"MXSPG0003"}, {"MXNLE0001", "MXNLE0002"}),
        ("MXNLE0002", {"MXNLE0002"}, {"MXNLE0001"}),
    ],
)
def test_search_ignores_accents_and_case(client, lit, text, found, not_found):
    result = set(titles(html_of(client, "/estados/nuevo-leon/", {"q": text})))
    assert found <= result
    assert not (not_found & result)


def test_filter_by_lead_institution(client, lit):
    org = Commitment.objects.get(ogp_id="MXSPG0003").lead_institution
    assert titles(html_of(client, f"/estados/nuevo-leon/?institucion={org.pk}")) == ["MXSPG0003"]


def test_unknown_filter_values_are_ignored_with_a_message(client, lit):
    html = html_of(client, "/estados/nuevo-leon/?estatus=bogus&pagina=abc")
    assert "Algunos filtros no se entendieron" in html
    assert len(titles(html)) == 6


def test_sorting_by_light_puts_red_first(client, lit):
    ids = titles(html_of(client, "/estados/guanajuato/?orden=semaforo"))
    lights = {c.ogp_id: c for c in Commitment.objects.all()}
    reds = [i for i in ids if lights[i].milestones.filter(signal="red").exists()]
    assert ids[: len(reds)] == reds
    progress = titles(html_of(client, "/estados/guanajuato/?orden=-avance"))
    assert progress[0] == "MXGTO9002"  # every milestone completed


def test_pagination_keeps_the_filters_in_the_url(client, lit):
    from tests.bulk import multiply_demo

    multiply_demo(6)  # 4 red commitments in Guanajuato, so 24: two pages
    html = html_of(client, "/estados/guanajuato/?alerta=on&orden=titulo")
    assert "Página 1 de 2" in html
    assert 'href="?alerta=on&amp;orden=titulo&amp;pagina=2"' in html
    second = html_of(client, "/estados/guanajuato/?alerta=on&orden=titulo&pagina=2")
    assert set(titles(html)).isdisjoint(titles(second))
    assert (len(titles(html)), len(titles(second))) == (20, 4)


def test_state_chart_has_a_text_alternative(client, lit):
    html = html_of(client, "/estados/guanajuato/")
    assert 'role="img" aria-labelledby="chart-caption-' in html
    assert " con fecha compromiso planeada al final del plan (línea punteada)" in html
    assert "<summary>Datos de la gráfica en una tabla</summary>" in html
    assert 'class="line-planned"' in html and 'class="line-completed"' in html
    assert '<th scope="row">noviembre de 2019</th>' in html


def test_open_graph_tags_on_state_and_commitment_pages(client, lit):
    html = html_of(client, "/estados/nuevo-leon/")
    assert '<meta property="og:title" content="Gobierno abierto en Nuevo León">' in html
    assert re.search(
        r'<meta property="og:description" content="\d+ % de 20 hitos completados', html
    )
    # With its share card: the large preview (tests/test_share_cards.py).
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    html = html_of(client, "/compromisos/MXSPG0003/")
    assert (
        '<meta property="og:title" content="Hacer proactiva la transparencia en Nuevo León '
        '(Nuevo León)">' in html
    )
    assert "Institución líder: Municipio de San Pedro Garza García" in html
    assert '<meta property="og:url" content="http://testserver/compromisos/MXSPG0003/">' in html


def test_commitment_page_timeline_evidence_and_history(client, lit):
    html = html_of(client, "/compromisos/MXGTO9003/")
    assert "Datos abiertos sobre la búsqueda de personas desaparecidas" in html
    assert "Ejemplo ilustrativo" in html
    assert "Evaluación del MRI" in html and "Sustancial" in html
    # Rescheduled: the original due date struck through beside the new one.
    first, moved = day(dt.date(2026, 7, 31)), day(dt.date(2026, 9, 30))
    assert f"{es(first)}</del> {es(moved)}" in html
    assert re.search(r'class="overdue">\d+ días</dd>', html)
    # File evidence with its SHA-256; a link evidence with its organisation and date.
    assert "protocolo-variables.csv" in html
    assert re.search(r"SHA-256 <code>[0-9a-f]{64}</code>", html)
    assert "Registrada por Comisión Estatal de Búsqueda de Personas de Guanajuato el" in html
    # History: status changes and the light turning red.
    assert "Sin avance → En proceso" in html
    assert f"fecha compromiso movida del {es(first)} al {es(moved)}" in html
    assert "Paso del tiempo" in html


def test_retracted_evidence_stays_listed_as_retracted(client, lit):
    item = Milestone.objects.get(commitment__ogp_id="MXNLE0001", number=1).evidence.get()
    item.retracted_at = timezone.now()
    item.retraction_reason = "La liga no corresponde al entregable"
    item.save()
    html = html_of(client, "/compromisos/MXNLE0001/")
    assert f"<del>{item.title}</del> <strong>(retirada)</strong>" in html
    assert "La liga no corresponde al entregable" in html


def test_institution_scorecard_ranks_the_most_behind_first(client, lit):
    html = html_of(client, "/instituciones/")
    rows = re.findall(r'<th scope="row"><a href="/instituciones/[\w-]+/">([^<]+)</a></th>', html)
    # Red first, the largest share of red milestones first: 2 of 3, then 4 of 7 (which has
    # the most overdue milestones); yellow ones after every red one; green last.
    assert rows[:2] == [
        "Consejo Nuevo León para la Planeación Estratégica",
        "Secretaría de Participación Ciudadana",
    ]
    assert rows[-3:] == [
        "Secretaría de Desarrollo Social y Humano (SEDESHU)",
        "Municipio de Monterrey",
        "Instituto de Acceso a la Información Pública para el Estado de Guanajuato (IACIP)",
    ]
    only_gto = html_of(client, "/instituciones/?estado=guanajuato")
    assert "Secretaría de Participación Ciudadana" not in only_gto
    assert "Instituciones líderes en Guanajuato" in only_gto


def test_semaforo_lists_red_milestones_by_state_and_institution(client, lit):
    html = html_of(client, "/semaforo/")
    red = Milestone.objects.filter(signal="red").count()
    assert f"{red} hitos están vencidos o llevan demasiado tiempo sin actividad" in html
    # One row per red milestone (the late completions below are listed in a table of their own).
    red_tables = html.split('id="late-heading"')[0]
    assert red_tables.count('<tr>\n      <th scope="row">') == red
    assert 'href="/compromisos/MXNLE0001/hitos/4/"' in html
    by_institution = html_of(client, "/semaforo/?agrupar=institucion&estado=guanajuato")
    assert "Municipio de Apaseo el Alto" in by_institution
    assert "MXNLE0001" not in by_institution


def test_printable_state_report(client, lit):
    html = html_of(client, "/estados/nuevo-leon/reporte/")
    assert "Compromisos de gobierno abierto de Nuevo León" in html
    assert "Reporte generado el" in html
    assert "Clasificación de instituciones" in html
    assert "Informe final de resultados" in html
    assert "@media print" not in html  # the print rules live in the stylesheet


def test_methodology_page_documents_the_rules(client, lit):
    html = html_of(client, "/como-medimos/")
    assert "Cómo medimos" in html
    assert "Guanajuato: sin actividad después de 180 días." in html


def test_unknown_pages_are_404(client, lit):
    html_of(client, "/estados/jalisco/", status=404)
    html_of(client, "/compromisos/MX9999/", status=404)
    html_of(client, "/estados/jalisco/reporte/", status=404)


def test_inactive_state_is_hidden_everywhere(client, lit):
    gto = State.objects.get(slug="guanajuato")
    gto.is_active = False
    gto.save()
    assert "Guanajuato" not in html_of(client, "/")
    html_of(client, "/estados/guanajuato/", status=404)
    html_of(client, "/compromisos/MXGTO9003/", status=404)
    assert "MXGTO" not in html_of(client, "/semaforo/")


def test_a_change_is_visible_on_the_next_request(
    client, lit, django_user_model, django_capture_on_commit_callbacks
):
    assert "Protocolo de anonimización" in html_of(client, "/compromisos/MXGTO9003/")
    commitment = Commitment.objects.get(ogp_id="MXGTO9003")
    # Corrected in the admin, which invalidates the cached pages when its change commits.
    model_admin = admin.site._registry[Commitment]
    request = RequestFactory().post("/admin/")
    request.user = django_user_model.objects.get(username="admin")
    commitment.title = "Título corregido por la administración"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        model_admin.save_model(request, commitment, form=None, change=True)
    assert "Título corregido por la administración" in html_of(client, "/compromisos/MXGTO9003/")
    assert "Título corregido por la administración" in html_of(client, "/estados/guanajuato/")


def test_the_stale_job_invalidates_cached_pages(client, lit, django_capture_on_commit_callbacks):
    guide = Milestone.objects.get(commitment__ogp_id="MXGTO9004", number=2)
    before = html_of(client, "/semaforo/")
    assert "Guía ciudadana sobre dónde presentar" not in before
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_stale_milestones(now=day(dt.datetime(2026, 12, 16, 1, 0, tzinfo=MX)))
    guide.refresh_from_db()
    assert guide.signal == "red"
    assert "Guía ciudadana sobre dónde presentar" in html_of(client, "/semaforo/")
    assert Transition.objects.filter(milestone=guide, new_signal="red").exists()
