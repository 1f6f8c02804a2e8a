"""Error pages in the visitor's language (Spanish first), not Django's bare English ones."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def test_not_found_in_spanish_and_english(client):
    response = client.get("/estados/no-existe/")
    assert response.status_code == 404
    assert "No encontramos esta página" in response.content.decode()
    english = client.get("/en/estados/no-existe/")
    assert english.status_code == 404
    assert "We could not find this page" in english.content.decode()


def test_an_expired_form_says_so_in_spanish(demo):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/cuenta/entrar/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "El formulario caducó" in response.content.decode()


def test_server_error_page_needs_no_request_context():
    request = RequestFactory().get("/")
    with translation.override("es-mx"):
        response = defaults.server_error(request)
    assert response.status_code == 500
    assert "Algo salió mal" in response.content.decode()
