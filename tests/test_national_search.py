"""A citizen searches every state at once: by words, by an institution's acronym, in the
singular or the plural, with or without accents."""

import re

import pytest

from commitments import search, services
from tests.clock import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def lit(demo_unwatched, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_stale_milestones(now=NOW)


def found(client, **params):
    response = client.get("/buscar/", params)
    assert response.status_code == 200
    return re.findall(
        r'<h3><a href="/(?:en/)?compromisos/([A-Z0-9]+)/">', response.content.decode()
    )


def test_one_search_finds_commitments_of_both_states(client, lit):
    ids = found(client, q="datos abiertos")
    assert any(i.startswith("MXGTO") for i in ids) and any(
        i.startswith("MXNLE") or i.startswith("MXSPG") for i in ids
    )
    # The state filter narrows it to one.
    in_one = found(client, q="datos abiertos", estado="guanajuato")
    assert in_one and all(i.startswith("MXGTO") for i in in_one)


def test_an_acronym_finds_the_institutions_commitments(client, lit):
    from commitments.models import Commitment

    led = set(
        Commitment.objects.filter(lead_institution__acronym="SEDESHU").values_list(
            "ogp_id", flat=True
        )
    )
    assert led
    assert set(found(client, q="SEDESHU")) == led
    assert set(found(client, q="sedeshu")) == led


def test_plural_and_singular_find_the_same(client, lit):
    singular, plural = found(client, q="dato abierto"), found(client, q="datos abiertos")
    assert singular and sorted(singular) == sorted(plural)
    assert "MXNLE0001" in plural
    assert sorted(found(client, q="participacion")) == sorted(found(client, q="Participación"))


def test_no_words_no_list_and_a_page_for_nothing_found(client, lit):
    html = client.get("/buscar/").content.decode()
    assert "Buscar en todos los estados" in html and "compromisos encontrados" not in html
    html = client.get("/buscar/", {"q": "zzzxxy"}).content.decode()
    assert "Ningún compromiso coincide con estas palabras." in html
    english = client.get("/en/buscar/", {"q": "SEDESHU"}).content.decode()
    assert '<html lang="en">' in english


@pytest.mark.parametrize(
    "word, expected",
    [("datos", "dato"), ("instituciones", "institucion"), ("leyes", "ley"), ("luces", "luz"),
     ("mujeres", "mujer"), ("ogp", "ogp"), ("dato", "dato"), ("redes", "red")],
)  # fmt: skip
def test_the_fallbacks_plural_rule(word, expected):
    assert search.singular(word) == expected


def test_the_stored_documents_are_the_texts_of_search_fields(demo):
    """On PostgreSQL the search reads tsvectors PostgreSQL generates (migration 0013): they
    hold the words of search.FIELDS and of the lead institution, and follow every write,
    whoever writes (here an update that goes through no service)."""
    import importlib

    from django.db import connection

    from commitments.models import Commitment
    from states.models import Organisation

    migration = importlib.import_module("commitments.migrations.0013_search_documents")
    assert migration.COMMITMENT_COLUMNS == search.FIELDS
    assert tuple(f"lead_institution__{c}" for c in migration.INSTITUTION_COLUMNS) == (
        search.INSTITUTION_FIELDS
    )
    if connection.vendor != "postgresql":
        pytest.skip("stored tsvectors are PostgreSQL's (set DATABASE_URL)")
    commitment = Commitment.objects.select_related("lead_institution").first()
    Organisation.objects.filter(pk=commitment.lead_institution_id).update(acronym="ZQXJW")
    Commitment.objects.filter(pk=commitment.pk).update(theme="Ornitorrincos")
    assert list(search.search(Commitment.objects.all(), "ZQXJW ornitorrinco")) == [commitment]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM commitments_commitment AS c"
            " JOIN states_organisation AS o ON o.id = c.lead_institution_id"
            " WHERE strip(c.search_document || o.search_document) <> strip(to_tsvector("
            "'spanish_unaccent', concat_ws(' ', c.ogp_id, c.title, c.short_title,"
            " c.description, c.problem, c.objective, c.theme, o.name, o.acronym)))"
        )
        assert cursor.fetchone() == (0,)
