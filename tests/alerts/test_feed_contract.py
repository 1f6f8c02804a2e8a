"""What the Atom feeds promise (RFC 4287): contributors' words as text, never HTML; an author;
feed and entry ids from SITE_URL alone, whatever the request's host; and every entry's link
landing on an element that exists on the page it points to."""

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from commitments import services as commitment_services
from commitments.models import Milestone
from states.models import Membership

from .conftest import NOW

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
MARKUP = '<img src=x onerror="alert(1)"><b>negrita</b> & más'


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id")


def element_ids(html):
    parser = _Ids()
    parser.feed(html)
    return parser.ids


def feed_of(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


@pytest.fixture
def lively(demo_unwatched, django_user_model):
    """Nuevo León's demo with light changes, and a CSO's evidence and an official's report
    whose words carry markup; the people have names that must not appear."""
    commitment_services.flag_stale_milestones(now=NOW)
    cso = Membership.objects.get(user__username="osc.nuevoleon")
    official = Membership.objects.get(user__username="oficial.nuevoleon")
    for membership, first, last in ((cso, "Eulalia", "Trejo"), (official, "Casimiro", "Ordaz")):
        membership.user.first_name, membership.user.last_name = first, last
        membership.user.save()
    m = Milestone.objects.get(commitment__ogp_id="MXNLE9001", number=3)
    commitment_services.add_link_evidence(
        milestone=m, membership=cso, url="https://example.org/solicitud",
        title="Solicitud <i>sin</i> respuesta", description=MARKUP, now=NOW,
    )  # fmt: skip
    m.refresh_from_db()
    commitment_services.report_status(
        milestone=m, membership=official, base_version=m.version, status=m.status,
        progress=min(m.progress + 5, 95), note=MARKUP, now=NOW,
    )  # fmt: skip


FEEDS = [
    "/estados/nuevo-leon/feed/",
    "/compromisos/MXNLE9001/feed/",
    "/en/estados/nuevo-leon/feed/",
    "/en/compromisos/MXNLE0001/feed/",
]


@pytest.mark.parametrize("url", FEEDS)
def test_contributors_words_are_text_never_html(client, lively, url):
    root = feed_of(client, url)
    summaries = root.findall(f"{ATOM}entry/{ATOM}summary")
    assert summaries
    assert {s.get("type") for s in summaries} == {"text"}
    for title in root.iter(f"{ATOM}title"):
        assert title.get("type", "text") == "text"
    if "MXNLE9001" in url or "estados" in url:
        # The markup arrives as the characters written, for the reader to show as such.
        assert any(MARKUP in (s.text or "") for s in summaries)


@pytest.mark.parametrize("url", FEEDS)
def test_the_feed_and_its_entries_have_authors_that_are_organisations(client, lively, url):
    response = client.get(url)
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.find(f"{ATOM}author/{ATOM}name").text == "OGP Tracker"
    for entry in root.findall(f"{ATOM}entry"):
        name = entry.find(f"{ATOM}author/{ATOM}name")
        # An entry without an author of its own takes the feed's (RFC 4287, 4.1.1).
        assert name is None or name.text
    text = response.content.decode()
    for word in ("Eulalia", "Trejo", "Casimiro", "Ordaz", "osc.nuevoleon", "oficial.nuevoleon"):
        assert word not in text
    if url == "/compromisos/MXNLE9001/feed/":
        authors = {e.text for e in root.iter(f"{ATOM}name")}
        assert "Cómo Vamos Nuevo León" in authors


def test_ids_come_from_site_url_whatever_the_host(client, lively, settings):
    settings.SITE_URL = "https://ogp.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "otro-host.example"]
    seen = []
    for host in ("testserver", "otro-host.example"):
        root = feed_of(client, "/estados/nuevo-leon/feed/", HTTP_HOST=host)
        ids = [root.find(f"{ATOM}id").text] + [
            e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")
        ]
        assert all(i.startswith("https://ogp.example.org/") for i in ids), ids
        seen.append(ids)
    assert seen[0] == seen[1]
    assert seen[0][0] == "https://ogp.example.org/estados/nuevo-leon/feed/"
    english = feed_of(client, "/en/estados/nuevo-leon/feed/")
    assert english.find(f"{ATOM}id").text == "https://ogp.example.org/en/estados/nuevo-leon/feed/"


@pytest.mark.parametrize("url", FEEDS)
def test_every_entry_link_lands_on_an_element_of_its_page(client, lively, url):
    root = feed_of(client, url)
    links = [
        link.get("href")
        for entry in root.findall(f"{ATOM}entry")
        for link in entry.findall(f"{ATOM}link")
        if link.get("rel", "alternate") == "alternate"
    ]
    kinds = {urlsplit(link).fragment.rsplit("-", 1)[0] for link in links}
    assert kinds == {"transition", "evidence", "status"}, kinds
    pages = {}
    for link in links:
        parts = urlsplit(link)
        assert parts.fragment, link
        if parts.path not in pages:
            response = client.get(parts.path)
            assert response.status_code == 200, link
            pages[parts.path] = element_ids(response.content.decode())
        assert parts.fragment in pages[parts.path], link
