"""Signed-in visitors (CSO staff and officials reading the public pages) are served the pages
stored for anonymous visitors, with the header's account link as theirs; a page rendered for
them is never stored, and a write they make shows at once."""

import pytest
from django.core.cache import cache
from django.test import Client

from commitments import cache as page_cache
from commitments.models import Commitment

pytestmark = pytest.mark.django_db

STATE_PAGE = "/estados/guanajuato/"


@pytest.fixture
def pages(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PUBLIC_PAGE_CACHE = True
    cache.clear()


@pytest.fixture
def signed_in(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("lectora", "l@example.org", "x"))
    return client


def account_link(response):
    html = response.content.decode()
    start = html.index('<a class="account-link"')
    return html[start : html.index("</a>", start) + 4]


def test_a_signed_in_visitor_gets_the_stored_page_with_their_own_link(demo, pages, signed_in):
    anonymous = Client().get(STATE_PAGE)
    assert anonymous[page_cache.CACHE_HEADER] == "miss"
    assert (
        account_link(anonymous)
        == '<a class="account-link" href="/cuenta/entrar/">Iniciar sesión</a>'
    )

    theirs = signed_in.get(STATE_PAGE)
    assert theirs[page_cache.CACHE_HEADER] == "hit"
    assert account_link(theirs) == '<a class="account-link" href="/panel/">Panel</a>'
    assert "private" in theirs["Cache-Control"]
    # Nothing else differs.
    assert (
        theirs.content.replace(b'"/panel/">Panel', '"/cuenta/entrar/">Iniciar sesión'.encode())
        == anonymous.content
    )
    # And the page kept for anonymous visitors still says "Iniciar sesión".
    assert account_link(Client().get(STATE_PAGE)) == account_link(anonymous)


def test_the_link_is_in_the_language_of_the_page(demo, pages, signed_in):
    Client().get("/en" + STATE_PAGE)
    theirs = signed_in.get("/en" + STATE_PAGE)
    assert theirs[page_cache.CACHE_HEADER] == "hit"
    assert account_link(theirs) == '<a class="account-link" href="/en/panel/">Panel</a>'


def test_a_page_rendered_for_a_signed_in_visitor_is_not_stored(demo, pages, signed_in):
    first = signed_in.get(STATE_PAGE)
    assert page_cache.CACHE_HEADER not in first
    assert 'href="/panel/">Panel' in first.content.decode()
    anonymous = Client().get(STATE_PAGE)
    assert anonymous[page_cache.CACHE_HEADER] == "miss"
    assert 'href="/panel/"' not in anonymous.content.decode()


def test_a_session_without_an_account_gets_the_anonymous_page(demo, pages, settings):
    stored = Client().get(STATE_PAGE)
    visitor = Client()
    visitor.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session-key-0123456789"
    response = visitor.get(STATE_PAGE)
    assert response[page_cache.CACHE_HEADER] == "hit"
    assert response.content == stored.content


def test_a_write_shows_at_once_to_the_signed_in_visitor(
    demo, pages, signed_in, django_capture_on_commit_callbacks
):
    commitment = Commitment.objects.filter(action_plan__state__slug="guanajuato").first()
    url = commitment.get_absolute_url()
    Client().get(url)
    assert signed_in.get(url)[page_cache.CACHE_HEADER] == "hit"
    commitment.title = "Compromiso con título nuevo"
    commitment.save(update_fields=["title"])
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.invalidate_commitment_pages(commitment)
    response = signed_in.get(url)
    assert page_cache.CACHE_HEADER not in response  # rendered afresh, for them
    assert "Compromiso con título nuevo" in response.content.decode()
