"""Share cards: a PNG of 1200×630 per state, commitment and institution (and the country),
drawn in the page's language, cached until the data changes; the pages point to it with Open
Graph and Twitter tags."""

import datetime as dt
import re
import struct

import pytest
from django.test import RequestFactory
from django.utils import formats, translation

from public import cards, sharing
from tests import factories as f
from tests.clock import TODAY

pytestmark = pytest.mark.django_db

INSTITUTION = "/instituciones/secretaria-de-participacion-ciudadana-nuevo-leon/"
CARDS = [
    "/estados/nuevo-leon/tarjeta.png",
    "/compromisos/MXNLE0001/tarjeta.png",
    INSTITUTION + "tarjeta.png",
    "/tarjeta.png",
]


def png_size(content):
    """Width and height from the PNG's own header (its IHDR chunk)."""
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert content[12:16] == b"IHDR"
    return struct.unpack(">II", content[16:24])


@pytest.mark.parametrize("url", [*CARDS, "/en" + CARDS[1]])
def test_every_card_is_a_png_of_1200_by_630(client, demo, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert png_size(response.content) == (1200, 630)
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert response["Cache-Control"] == f"public, max-age={sharing.CARD_MAX_AGE}"


def drawn(language, path, slug):
    """What the state card at `path` draws, as its SVG (the PNG is this SVG rasterised)."""
    with translation.override(language):
        _state, card = sharing._state_card(RequestFactory().get(path), slug)
        return cards.svg(card)


def test_the_card_speaks_the_language_of_its_url(client, demo):
    spanish = client.get("/estados/nuevo-leon/tarjeta.png").content
    english = client.get("/en/estados/nuevo-leon/tarjeta.png").content
    assert spanish != english

    svg = drawn("es-mx", "/estados/nuevo-leon/tarjeta.png", "nuevo-leon")
    with translation.override("es-mx"):
        date = formats.date_format(TODAY, "DATE_FORMAT")
    assert f"datos al {date}" in svg and " de 20" in date  # "2 de diciembre de 2026"
    assert "Rojo: vencido o sin actividad" in svg
    assert "hitos en rojo" in svg and "hitos en verde" in svg
    assert "Ejemplo ilustrativo" in svg  # the demo's data
    assert "testserver/estados/nuevo-leon/" in svg

    svg = drawn("en", "/en/estados/nuevo-leon/tarjeta.png", "nuevo-leon")
    assert "data as of " in svg and "Red: overdue or stale" in svg
    assert "milestones red" in svg and "Illustrative example" in svg
    assert "testserver/en/estados/nuevo-leon/" in svg


@pytest.fixture
def real_commitment(django_capture_on_commit_callbacks):
    """A commitment of a state of its own, no demo data in it."""
    with django_capture_on_commit_callbacks(execute=True):
        state = f.state(name="Estado Real")
        commitment = f.commitment(f.action_plan(state), f.organisation(state))
        f.milestone(commitment, due_on=dt.date(2030, 6, 30))
    return commitment


def test_a_card_of_real_data_has_no_demo_mark(real_commitment):
    with translation.override("es-mx"):
        request = RequestFactory().get("/")
        _commitment, card = sharing._commitment_card(request, real_commitment.ogp_id)
        svg = cards.svg(card)
    assert "Ejemplo ilustrativo" not in svg
    assert "Verde: en tiempo" in svg
    assert "</tspan> hito en verde" in svg  # one milestone, in the singular


def test_a_card_is_cached_and_redrawn_when_its_data_changes(
    client, real_commitment, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = f"/compromisos/{real_commitment.ogp_id}/tarjeta.png"
    first = client.get(url)
    with django_assert_num_queries(0):  # from the page cache, not drawn again
        again = client.get(url)
    assert (again.content, again["ETag"]) == (first.content, first["ETag"])
    assert png_size(again.content) == (1200, 630)
    # A crawler that has it already gets a 304, with the same ETag.
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""

    with django_capture_on_commit_callbacks(execute=True):
        f.milestone(real_commitment, due_on=dt.date(2030, 9, 30))  # through the services
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != first["ETag"] and after.content != first.content
    assert png_size(after.content) == (1200, 630)


def test_an_unknown_page_has_no_card(client, demo):
    for url in ("/estados/atlantida/tarjeta.png", "/compromisos/MXXXX0000/tarjeta.png"):
        assert client.get(url).status_code == 404
    assert client.get("/instituciones/nadie/tarjeta.png").status_code == 404


def meta(html, name):
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return found and found.group(1)


@pytest.mark.parametrize(
    "page, card",
    [
        ("/estados/nuevo-leon/", "/estados/nuevo-leon/tarjeta.png"),
        ("/compromisos/MXNLE0001/", "/compromisos/MXNLE0001/tarjeta.png"),
        (INSTITUTION, INSTITUTION + "tarjeta.png"),
        ("/", "/tarjeta.png"),
    ],
)
@pytest.mark.parametrize("prefix, locale", [("", "es_MX"), ("/en", "en_US")])
def test_pages_point_to_their_card(client, demo, page, card, prefix, locale):
    html = client.get(prefix + page).content.decode()
    assert meta(html, "og:image") == f"http://testserver{prefix}{card}"
    assert meta(html, "twitter:image") == f"http://testserver{prefix}{card}"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "630")
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "og:locale") == locale
    assert meta(html, "og:url") == f"http://testserver{prefix}{page}"
    assert meta(html, "og:title") and meta(html, "og:description")
    # The picture in words, with its light (not its colour alone) and its demo mark.
    alt = meta(html, "og:image:alt")
    assert ("Ejemplo ilustrativo" if locale == "es_MX" else "Illustrative example") in alt
    assert any(word in alt for word in ("Rojo", "Amarillo", "Verde", "Red", "Yellow", "Green"))


def test_other_public_pages_have_a_title_and_a_description_to_share(client, demo):
    html = client.get("/semaforo/").content.decode()
    assert meta(html, "og:title") == "Semáforo: hitos en rojo"
    assert "hitos" in meta(html, "og:description")
    assert meta(html, "twitter:card") == "summary"
    html = client.get("/como-medimos/").content.decode()
    assert meta(html, "og:title") == "OGP Tracker" and meta(html, "og:description")


def test_large_counts_are_written_as_the_pages_write_them():
    card = cards.Card(
        kicker="Estado",
        name="Jalisco",
        light="red",
        red=12345,
        yellow=2000,
        green=1001234,
        overdue=4321,
        completed=1000,
        total=1015579,
        today=TODAY,
        demo=False,
    )
    with translation.override("es-mx"):
        svg = cards.svg(card)
        alt = card.alt
    for number in ("12,345", "2,000", "1,001,234", "4,321", "1,000 de 1,015,579"):
        assert number in svg and number in alt, number
    assert "12345" not in svg and "12345" not in alt
