"""What names a cached public page: its path and the query parameters its view reads,
normalised, in a fixed order. Other parameters create no entry and never reach the page."""

import secrets

import pytest
from django.core.cache import cache
from django.test import Client

from commitments import cache as page_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(settings):
    """A local-memory cache of this test's own; gives the number of pages it holds."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PUBLIC_PAGE_CACHE = True
    cache.clear()

    def count():
        return sum(":page:" in key for key in cache._cache)

    return count


def get(url, **params):
    return Client().get(url, params)


def test_two_hundred_requests_with_made_up_parameters_make_one_entry(demo, pages):
    for _ in range(200):
        response = get("/estados/guanajuato/", **{secrets.token_hex(4): secrets.token_hex(8)})
        assert response.status_code == 200
    assert pages() == 1
    for _ in range(50):
        get("/", utm_source=secrets.token_hex(6))
        get("/semaforo/", fbclid=secrets.token_hex(6))
    assert pages() == 3


def test_made_up_parameters_never_reach_the_page(demo, pages):
    first = get("/estados/guanajuato/", alerta="on", utm_campaign="<b>marca</b>")
    html = first.content.decode()
    assert "utm_campaign" not in html and "marca" not in html
    # The language switch and pagination links keep only what the page reads.
    assert "alerta=on" in html
    assert get("/estados/guanajuato/", alerta="on").content == first.content
    assert pages() == 1


@pytest.mark.parametrize(
    ("one", "same"),
    [
        ("?orden=titulo&alerta=on", "?alerta=on&orden=titulo"),
        ("?alerta=on", "?alerta=true&q="),
        ("?q=agua", "?q=%20agua%20&q=otra&q=agua"),
        ("?pagina=1&orden=plan", "?orden=plan"),
        ("?pagina=abc", ""),
        ("?estado=guanajuato&agrupar=estado", "?estado=guanajuato"),
    ],
)
def test_one_page_however_its_parameters_are_written(demo, pages, one, same):
    path = "/semaforo/" if "estado" in one else "/estados/guanajuato/"
    first = Client().get(path + one)
    assert Client().get(path + same).content == first.content
    assert pages() == 1


def test_values_the_page_cannot_use_are_served_not_stored(demo, pages):
    # Five random values of each: any one stored would be an entry.
    for _ in range(5):
        response = get("/estados/nuevo-leon/", estatus=secrets.token_hex(4))
        assert "Algunos filtros no se entendieron" in response.content.decode()
        assert get("/estados/nuevo-leon/", plan=secrets.randbelow(10**6) + 100).status_code == 200
        assert get("/estados/nuevo-leon/", pagina=secrets.randbelow(10**6) + 2).status_code == 200
        assert get("/semaforo/", estado=secrets.token_hex(4)).status_code == 200
        assert get("/instituciones/", estado="x" * 300).status_code == 200
    assert pages() == 0
    # Values it can use are stored.
    get("/estados/nuevo-leon/", estatus="completed")
    get("/semaforo/", estado="guanajuato")
    assert pages() == 2


def test_each_language_is_its_own_page(demo, pages):
    spanish, english = get("/estados/guanajuato/", x="1"), get("/en/estados/guanajuato/", x="2")
    assert spanish.content != english.content
    assert "Compromisos" in spanish.content.decode() and "Commitments" in english.content.decode()
    assert pages() == 2


def test_pages_that_are_not_cached_cost_the_cache_nothing(demo, pages, settings):
    seen = []
    real_get_many = cache.get_many

    def get_many(keys, *args, **kwargs):
        seen.append(keys)
        return real_get_many(keys, *args, **kwargs)

    cache.get_many = get_many
    try:
        assert get("/cuenta/entrar/", x="1").status_code == 200
        assert get("/no-existe/", x="1").status_code == 404
        assert seen == []
        get("/como-medimos/", x="1")
        assert len(seen) == 1 and page_cache.VERSION_KEY in seen[0]
    finally:
        del cache.get_many


def test_the_normalisers():
    assert page_cache.text([" a ", " b "]) == "b"
    assert page_cache.text(["  "]) is None
    assert page_cache.page_number(["07"]) == "7"
    assert page_cache.page_number(["1"]) is page_cache.page_number(["0"]) is None
    assert page_cache.page_number(["²"]) is None
    assert page_cache.flag(["false"]) is page_cache.flag([""]) is None
    assert page_cache.flag(["yes"]) == "on"
    assert page_cache.slug(["nuevo-leon"]) == "nuevo-leon"
    assert page_cache.slug(["<b>"]) is None
    with pytest.raises(page_cache.Unkeyable):
        page_cache.text(["x" * (page_cache.MAX_VALUE_LENGTH + 1)])
