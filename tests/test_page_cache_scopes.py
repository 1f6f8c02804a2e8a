"""A write drops only the cached pages that show what it changed (commitments.cache): its
commitment's, its state's, its institutions' and the national aggregates; the pages of
another state, of the state's other commitments and of institutions not involved stay
cached. A hit is a request that runs no SQL query."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from commitments import cache as page_cache
from commitments import services
from commitments.models import Commitment, Milestone
from states.models import Membership, Organisation
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def queries(client, url):
    """How many SQL queries the page costs now (0: served from the cache)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _commitment_pages(commitment):
    return [f"/compromisos/{commitment.ogp_id}/", f"/en/compromisos/{commitment.ogp_id}/"]


def _institution_page(organisation):
    return f"/instituciones/{organisation.slug}/"


def _involved(commitment):
    return {
        commitment.lead_institution_id,
        *commitment.co_lead_institutions.values_list("pk", flat=True),
        *commitment.supporting_institutions.values_list("pk", flat=True),
    }


@pytest.fixture
def written(demo, official_gto):
    """An official of Guanajuato, the milestone they report on, and the pages of both states
    as they should fare after the write."""
    membership = Membership.objects.get(user=official_gto)
    milestone = (
        Milestone.objects.filter(
            commitment__action_plan__state=membership.state,
            commitment__lead_institution=membership.organisation,
        )
        .exclude(status=Milestone.Status.COMPLETED)
        .select_related("commitment__action_plan__state", "commitment__lead_institution")
        .order_by("pk")
        .first()
    )
    commitment = milestone.commitment
    state = commitment.action_plan.state
    sibling = Commitment.objects.filter(action_plan__state=state).exclude(pk=commitment.pk)[0]
    other = Commitment.objects.exclude(action_plan__state=state).order_by("pk")[0]
    other_state = other.action_plan.state
    involved = _involved(commitment)
    # Institutions with a page (they lead or support something), not involved in the write.
    untouched_here = [
        org
        for org in Organisation.objects.filter(state=state).exclude(pk__in=involved)
        if org.led_commitments.exists() or org.supported_commitments.exists()
    ]
    assert untouched_here, "the demo has institutions of Guanajuato not involved"
    dropped = [
        f"/estados/{state.slug}/",
        f"/en/estados/{state.slug}/",
        f"/estados/{state.slug}/?alerta=on",
        f"/estados/{state.slug}/reporte/",
        f"/estados/{state.slug}/planes/{commitment.action_plan.number}/grafica.svg",
        f"/estados/{state.slug}/vencimientos.ics",
        f"/semaforo/?estado={state.slug}",
        f"/instituciones/?estado={state.slug}",
        f"/proximos-vencimientos/?estado={state.slug}",
        f"/estados/{state.slug}/tarjeta.png",
        f"/estados/{state.slug}/widget/",
        *_commitment_pages(commitment),
        f"/compromisos/{commitment.ogp_id}/widget/",
        *(_institution_page(Organisation.objects.get(pk=pk)) for pk in involved),
        # National aggregates.
        "/",
        "/en/",
        "/semaforo/",
        "/instituciones/",
        "/recien-vencidos/",
        "/proximos-vencimientos/",
        "/vencimientos.ics",
        "/tarjeta.png",
        f"/buscar/?q={commitment.title.split()[0]}",
        "/datos/",
    ]
    kept = [
        f"/estados/{other_state.slug}/",
        f"/en/estados/{other_state.slug}/",
        f"/estados/{other_state.slug}/reporte/",
        f"/estados/{other_state.slug}/vencimientos.ics",
        f"/semaforo/?estado={other_state.slug}",
        f"/instituciones/?estado={other_state.slug}",
        f"/recien-vencidos/?estado={other_state.slug}",
        f"/estados/{other_state.slug}/tarjeta.png",
        f"/estados/{other_state.slug}/widget/",
        *_commitment_pages(other),
        f"/compromisos/{other.ogp_id}/widget/",
        *_commitment_pages(sibling),
        f"/compromisos/{sibling.ogp_id}/tarjeta.png",
        _institution_page(other.lead_institution),
        *(_institution_page(org) for org in untouched_here),
    ]
    return membership, milestone, dropped, kept


def test_a_write_in_one_state_keeps_the_other_states_pages_cached(
    client, written, django_capture_on_commit_callbacks
):
    membership, milestone, dropped, kept = written
    for url in dropped + kept:
        assert queries(client, url) > 0, url  # rendered, and stored
        assert queries(client, url) == 0, url  # a hit
    note = "Avance registrado por la prueba de alcance"
    with django_capture_on_commit_callbacks(execute=True):
        services.report_status(
            milestone=milestone,
            membership=membership,
            base_version=milestone.version,
            status=Milestone.Status.IN_PROGRESS,
            progress=milestone.progress + 1 if milestone.progress < 100 else 50,
            note=note,
            now=NOW,
        )
    assert {url: queries(client, url) for url in kept} == dict.fromkeys(kept, 0)
    rendered = {url: queries(client, url) for url in dropped}
    assert [url for url, n in rendered.items() if n == 0] == []
    # And what was rendered shows the write.
    page = client.get(f"/compromisos/{milestone.commitment.ogp_id}/").content.decode()
    assert note in page


def test_a_write_with_no_scope_drops_every_page(
    client, written, django_capture_on_commit_callbacks
):
    _membership, _milestone, dropped, kept = written
    for url in dropped + kept:
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.invalidate_public_pages()  # the admin, the importer, a restore
    assert [url for url in dropped + kept if queries(client, url) == 0] == []


def test_a_transaction_over_two_states_bumps_both_once(demo, django_capture_on_commit_callbacks):
    one, two = (
        Commitment.objects.filter(action_plan__state__slug=slug)[0]
        for slug in ("guanajuato", "nuevo-leon")
    )
    with django_capture_on_commit_callbacks() as callbacks:
        from django.db import transaction

        with transaction.atomic():
            for _ in range(3):
                page_cache.invalidate_commitment_pages(one)
                page_cache.invalidate_commitment_pages(two.pk)
    (bump,) = [c for c in callbacks if isinstance(c, page_cache._BumpOnCommit)]
    assert {"state:guanajuato", "state:nuevo-leon", "national"} <= bump.scopes
    assert {f"commitment:{one.ogp_id}", f"commitment:{two.ogp_id}"} <= bump.scopes
    assert page_cache.GLOBAL not in bump.scopes


def test_made_up_urls_leave_no_version_behind(client, demo):
    cache.clear()
    client.get("/")  # the global and national versions exist from here on
    for url in ("/compromisos/NO-EXISTE/", "/instituciones/no-existe/", "/estados/no-existe/"):
        assert client.get(url).status_code == 404
    assert client.get("/semaforo/?estado=no-existe").status_code == 200
    for scope in ("commitment:NO-EXISTE", "institution:no-existe", "state:no-existe"):
        assert cache.get(page_cache.version_key(scope)) is None, scope


def _patterns(resolver):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry)
        elif isinstance(entry, URLPattern):
            yield entry


def test_every_cached_page_declares_its_scopes():
    cached = [p for p in _patterns(get_resolver()) if hasattr(p.callback, "public_page_params")]
    assert len(cached) >= 18
    for pattern in cached:
        assert callable(pattern.callback.public_page_scopes), pattern


def test_a_response_says_whether_it_came_from_the_cache(client, demo):
    cache.clear()
    first = client.get("/estados/guanajuato/")
    second = client.get("/estados/guanajuato/")
    assert first[page_cache.CACHE_HEADER] == "miss"
    assert second[page_cache.CACHE_HEADER] == "hit"
    assert second.content == first.content
    # A page that is never cached says nothing.
    assert page_cache.CACHE_HEADER not in client.get("/cuenta/entrar/")
