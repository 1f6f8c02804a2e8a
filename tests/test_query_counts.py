"""Every public page runs the same, small number of SQL queries (10 at most) with ten times
the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment, Milestone
from tests.bulk import multiply_demo

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/estados/guanajuato/",
    "/estados/guanajuato/?alerta=on&orden=semaforo",
    "/estados/nuevo-leon/?q=participacion&valor=civic_participation",
    "/estados/nuevo-leon/?estatus=in_progress&tema=Datos+abiertos&plan=1&pagina=2",
    "/compromisos/MXNLE0001/",
    "/instituciones/",
    "/instituciones/?estado=guanajuato",
    "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/",
    "/instituciones/kybernus-guanajuato-guanajuato/",
    "/semaforo/",
    "/semaforo/?agrupar=institucion&estado=nuevo-leon",
    "/estados/guanajuato/reporte/",
    "/estados/nuevo-leon/planes/1/grafica.svg",
    "/como-medimos/",
    "/diseno/",
    "/en/",
    "/buscar/?q=participacion",
    "/buscar/?q=datos&estado=guanajuato&pagina=2",
    "/en/buscar/?q=transparencia",
    "/recien-vencidos/",
    "/recien-vencidos/?estado=guanajuato&dias=7",
    "/proximos-vencimientos/",
    "/proximos-vencimientos/?estado=nuevo-leon&dias=90",
    "/vencimientos.ics",
    "/estados/guanajuato/vencimientos.ics",
    "/correcciones/",
    "/datos/",
    "/en/datos/",
    # Share cards and widgets (public/sharing.py).
    "/tarjeta.png",
    "/estados/guanajuato/tarjeta.png",
    "/compromisos/MXNLE0001/tarjeta.png",
    "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/tarjeta.png",
    "/estados/nuevo-leon/widget/",
    "/en/compromisos/MXGTO9003/widget/",
]


def count_queries(client, url):
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_same_query_count_with_ten_times_the_data(client, demo):
    from django.utils import timezone

    from commitments.services import flag_stale_milestones

    flag_stale_milestones(now=timezone.now())
    before = {url: count_queries(client, url) for url in PAGES}
    commitments, milestones = Commitment.objects.count(), Milestone.objects.count()
    multiply_demo(10)
    assert Commitment.objects.count() == 10 * commitments
    assert Milestone.objects.count() == 10 * milestones
    after = {url: count_queries(client, url) for url in PAGES}
    assert after == before
    assert max(after.values()) <= 10, after


def test_a_cached_page_costs_no_query(client, demo):
    first = client.get("/estados/guanajuato/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/estados/guanajuato/")
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Language"] == "es-mx"
    assert second["X-Frame-Options"] == "DENY"


def test_signed_in_visitors_bypass_the_cache(client, demo, django_user_model):
    client.get("/")
    client.force_login(django_user_model.objects.get(username="osc.nuevoleon"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(queries) > 0


def test_cached_pages_are_named_by_host_and_day(client, demo, settings):
    from django.core.cache import cache

    from commitments.cache import VERSION_KEY

    settings.ALLOWED_HOSTS = ["ogp.example", "testserver"]
    assert b"ogp.example" in client.get("/", HTTP_HOST="ogp.example").content
    other = client.get("/", HTTP_HOST="testserver")
    assert b"ogp.example" not in other.content
    # Losing the version key (eviction, flush) must not bring back old pages.
    old = client.get("/estados/guanajuato/").content
    from states.models import State

    State.objects.filter(slug="guanajuato").update(name="Guanajuato (renombrado)")
    cache.delete(VERSION_KEY)
    assert client.get("/estados/guanajuato/").content != old
