"""A commitment's page a hundred milestones at a time: every page costs the queries of a
small commitment's, a page is stored but not a page past the last, and the feeds' links land
on the page that lists their milestone (tests/test_bounded_pages.py pages it and counts)."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.selectors import FEED_LENGTH
from commitments import services
from commitments.models import Light, LightReason, Milestone
from public import views
from tests import factories as f
from tests.clock import NOW

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def many_milestones(commitment, count, *, due, number, **fields):
    """`count` red overdue milestones of `commitment`, the n-th (from 0) due on due(n),
    numbered number(n) and titled "Hito largo NNNN" by n + 1."""
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=number(n),
            title=f"Hito largo {n + 1:04d}",
            starts_on=dt.date(2024, 1, 1),
            due_on=due(n),
            last_activity_at=NOW,
            signal=Light.RED,
            light_reason=LightReason.OVERDUE,
            signal_since=NOW,
            next_check_at=NOW + dt.timedelta(days=365),
            **fields,
        )
        for n in range(count)
    )


@pytest.fixture
def long_commitment():
    """250 milestones numbered 10, 20, … (numbers are not positions); and a small commitment
    of 3 beside it."""
    state = f.state(name="Estado Largo", slug="estado-largo")
    plan = f.action_plan(state)
    commitment = f.commitment(plan, f.organisation(state, name="Delta Secretaría"))
    many_milestones(
        commitment, 250, due=lambda n: dt.date(2025, 1, 1) + dt.timedelta(days=n),
        number=lambda n: 10 * (n + 1),
    )  # fmt: skip
    small = f.commitment(plan, f.organisation(state, name="Épsilon Secretaría"))
    for n in range(3):
        f.milestone(small, number=n + 1, title=f"Hito corto {n + 1}")
    return commitment, small


def shown(html):
    return [int(n) for n in re.findall(r"Hito largo (\d{4})", html)]


def test_pages_by_position_with_their_nav_in_spanish_and_english(client, long_commitment):
    commitment, _small = long_commitment
    spanish = client.get(f"/compromisos/{commitment.ogp_id}/").content.decode()
    assert shown(spanish) == list(range(1, 101))
    assert 'id="hito-1000"' in spanish and 'id="hito-1010"' not in spanish
    assert '<nav aria-label="Páginas" class="pagination">' in spanish
    assert "Hitos 1 a 100 de 250." in spanish and "Página 1 de 3" in spanish
    english = client.get(f"/en/compromisos/{commitment.ogp_id}/?pagina=2").content.decode()
    assert shown(english) == list(range(101, 201))
    assert '<nav aria-label="Pages" class="pagination">' in english
    assert 'href="?pagina=1" rel="prev"' in english and 'href="?pagina=3" rel="next"' in english


def test_every_page_costs_the_queries_of_a_small_commitment(client, long_commitment):
    from django.core.cache import cache

    commitment, small = long_commitment

    def queries_of(url):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    counts = {
        page: queries_of(f"/compromisos/{commitment.ogp_id}/{page}")
        for page in ("", "?pagina=2", "?pagina=3")
    }
    assert set(counts.values()) == {queries_of(f"/compromisos/{small.ogp_id}/")}, counts


def test_a_page_is_stored_and_a_page_past_the_last_is_not(client, long_commitment):
    commitment, _small = long_commitment
    url = f"/en/compromisos/{commitment.ogp_id}/"
    assert shown(client.get(url + "?pagina=9").content.decode()) == list(range(201, 251))
    with CaptureQueriesContext(connection) as queries:
        client.get(url + "?pagina=9")
    assert len(queries) > 0  # rendered again: not stored
    client.get(url + "?pagina=3")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url + "?pagina=3")
    assert len(queries) == 0 and shown(again.content.decode()) == list(range(201, 251))


def links_of(client, url):
    root = ET.fromstring(client.get(url).content)  # noqa: S314 (our own feed)
    return [e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")]


def lands(client, link):
    """Whether `link` names an element of the page it opens."""
    parts = urlsplit(link)
    page = client.get(f"{parts.path}?{parts.query}")
    return page.status_code == 200 and f'id="{parts.fragment}"' in page.content.decode()


def test_the_recently_overdue_feed_links_to_the_page_that_lists_the_milestone(client):
    today = timezone.localdate()
    state = f.state(name="Estado Vencido", slug="estado-vencido")
    commitment = f.commitment(f.action_plan(state), f.organisation(state, name="Zeta"))
    # Numbered 1 to 130, the n-th due n % 26 + 1 days ago: the newest include some of the
    # second page (after the 100th).
    many_milestones(
        commitment, 130, due=lambda n: today - dt.timedelta(days=n % 26 + 1),
        number=lambda n: n + 1,
    )  # fmt: skip
    for url in ("/recien-vencidos/feed/", f"/en/estados/{state.slug}/recien-vencidos/feed/"):
        links = links_of(client, url)
        assert len(links) == FEED_LENGTH, url
        for link in links:
            number = int(link.rsplit("#hito-", 1)[1])
            assert ("?pagina=2#" in link) == (number > views.MILESTONE_PAGE_SIZE), link
        later = [link for link in links if "?pagina=2#" in link]
        assert later and lands(client, later[0]) and lands(client, links[0])


def test_a_commitment_feed_links_to_the_page_that_lists_the_milestone(client, long_commitment):
    commitment, _small = long_commitment
    first, later = (
        Milestone.objects.get(commitment=commitment, title=f"Hito largo {n:04d}") for n in (1, 150)
    )
    for m in (first, later):
        services.reschedule_milestone(milestone=m, due_on=m.due_on + dt.timedelta(days=7), now=NOW)
    links = links_of(client, f"/compromisos/{commitment.ogp_id}/feed/")
    parts = [urlsplit(link) for link in links]
    assert {(p.query, p.fragment.split("-")[0]) for p in parts} >= {
        ("", "reschedule"),
        ("pagina=2", "reschedule"),
    }
    assert all(lands(client, link) for link in links), links


def test_a_dispute_s_entries_land_on_its_messages(client, demo):
    from tests import disputes

    m = disputes.milestone()
    disputes.answer(disputes.open_dispute(m, now=NOW), now=NOW)
    links = links_of(client, f"/compromisos/{m.commitment.ogp_id}/feed/")
    steps = [link for link in links if "#dispute-" in link]
    assert len(steps) >= 2  # at least the reason and the answer
    assert all(lands(client, link) for link in steps), steps


def followed(client, link):
    """Where a milestone's lasting address (public:milestone) sends its visitor."""
    response = client.get(urlsplit(link).path)
    assert response.status_code == 302, link
    return response["Location"]


def test_a_milestone_s_lasting_address_finds_the_page_that_lists_it(client, long_commitment):
    commitment, _small = long_commitment
    ogp_id = commitment.ogp_id
    for number, page in ((10, ""), (1000, ""), (1010, "?pagina=2"), (2500, "?pagina=3")):
        for prefix in ("", "/en"):
            location = followed(client, f"{prefix}/compromisos/{ogp_id}/hitos/{number}/")
            assert location == f"{prefix}/compromisos/{ogp_id}/{page}#hito-{number}"
            assert lands(client, location)
    assert client.get(f"/compromisos/{ogp_id}/hitos/15/").status_code == 404
    assert client.get("/compromisos/MXNADA0001/hitos/10/").status_code == 404


def test_lists_and_open_data_link_to_the_lasting_address(client, long_commitment):
    import csv
    import io

    commitment, _small = long_commitment
    pattern = rf'href="(/compromisos/{commitment.ogp_id}/hitos/\d+/)"'
    semaforo = client.get("/semaforo/?estado=estado-largo&pagina=3").content.decode()
    listed = re.findall(pattern, semaforo)
    assert listed and "#hito-" not in semaforo
    download = client.get("/datos/estado-largo/hitos.csv")
    rows = csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig")))
    urls = [row["url"] for row in rows if row["url"].startswith("http://testserver/")]
    assert len(urls) == 253
    # The last of the semáforo's page and of the download are on the commitment's later pages.
    for link in (listed[-1], max(urls, key=lambda url: int(url.rstrip("/").rsplit("/", 1)[1]))):
        location = followed(client, link)
        assert "?pagina=" in location and lands(client, location), location


def test_an_institution_pages_the_commitments_it_leads_and_supports(client):
    from django.core.cache import cache

    state = f.state(name="Estado Grande", slug="estado-grande")
    plan = f.action_plan(state)
    body = f.organisation(state, name="Órgano Garante Grande", slug="organo-grande")
    other = f.organisation(state, name="Otra Secretaría")
    for n in range(120):
        f.commitment(plan, body, title=f"Encabezado {n + 1:03d}")
    for n in range(55):
        f.commitment(plan, other, title=f"Apoyado {n + 1:03d}").supporting_institutions.add(body)

    def page(query=""):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/instituciones/organo-grande/{query}").content.decode()
        led, supported = (
            len(re.findall(rf"{word} \d{{3}}", html)) for word in ("Encabezado", "Apoyado")
        )
        return html, led, supported, len(queries)

    first, led, supported, queries = page()
    assert (led, supported) == (50, 50)
    assert "(120)" in first and "(55)" in first  # the figures are of every commitment
    assert 'href="?pagina=2#led-heading" rel="next"' in first
    assert 'href="?pagina-apoyo=2#supported-heading" rel="next"' in first
    third, led, supported, later_queries = page("?pagina=3&pagina-apoyo=2")
    assert (led, supported) == (20, 5) and later_queries == queries
    assert 'href="?pagina-apoyo=2&amp;pagina=2#led-heading" rel="prev"' in third
    assert 'href="?pagina=3&amp;pagina-apoyo=1#supported-heading" rel="prev"' in third
