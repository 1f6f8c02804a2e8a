"""Smoke test of the public site as an anonymous citizen sees it."""

import pytest
from django.urls import reverse

from states.models import State

pytestmark = pytest.mark.django_db


def test_home_in_spanish_lists_both_states(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es-mx">' in html
    assert "Compromisos de gobierno abierto de los estados de México" in html
    assert "Guanajuato" in html
    assert "Nuevo León" in html
    assert 'href="/estados/nuevo-leon/"' in html
    # Guanajuato: 6 commitments, 19 milestones of which 10 completed (53 %).
    assert "6 compromisos" in html
    assert "53 % de los hitos completados (10 de 19)" in html


def test_home_in_english_under_en(client, demo):
    response = client.get("/en/")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Open government commitments of Mexican states" in html
    assert 'href="/en/estados/guanajuato/"' in html


def test_language_switch_keeps_the_page(client, demo):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/estados/guanajuato/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/estados/guanajuato/"


def test_state_page_groups_commitments_by_plan(client, demo):
    html = client.get("/estados/nuevo-leon/").content.decode()
    assert "Plan de Acción Local de Nuevo León 2022-2024" in html
    assert "Participación a través de la innovación con datos abiertos – dataLABNL" in html
    assert "Secretaría de Participación Ciudadana" in html
    assert "hitos vencidos" in html


def test_commitment_page_shows_milestones_evidence_and_history(client, demo):
    html = client.get("/compromisos/MXGTO9003/").content.decode()
    assert "Datos abiertos sobre la búsqueda de personas desaparecidas" in html
    assert "Ejemplo ilustrativo" in html
    # Rescheduled milestone: the original due date is struck through.
    assert "<del>31 de julio de 2026</del>" in html
    assert "Vencido" in html
    assert "Protocolo de anonimización (anexo de variables)" in html
    assert "Completado" in html


def test_unknown_pages_are_404(client, demo):
    assert client.get("/estados/jalisco/").status_code == 404
    assert client.get("/compromisos/MX9999/").status_code == 404


def test_inactive_state_is_hidden(client, demo):
    State.objects.filter(slug="guanajuato").update(is_active=False)
    assert "Guanajuato" not in client.get("/").content.decode()
    assert client.get("/estados/guanajuato/").status_code == 404
    assert client.get("/compromisos/MXGTO9003/").status_code == 404
