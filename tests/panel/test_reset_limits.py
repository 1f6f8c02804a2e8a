"""Password-reset requests within budgets: one email per address every 15 minutes however
many requests, a cap per client and for the whole site; the page never says whether an
email went out."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ops.models import RateCounter

pytestmark = pytest.mark.django_db
RESET = reverse("accounts:password_reset")
ADDRESS = "osc.guanajuato@example.org"


@pytest.fixture
def ask(post_reset):
    def ask(email, *, address="203.0.113.7", url=RESET):
        return post_reset(email, url=url, REMOTE_ADDR=address, follow=True)

    return ask


def test_ten_requests_for_one_address_send_one_email(ask, demo):
    pages = [ask(ADDRESS, address=f"198.51.100.{i}") for i in range(10)]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [ADDRESS]
    # The same page for every request, and for an address of no account.
    nobody = ask("nadie@example.org", address="198.51.100.50")
    assert {p.status_code for p in [*pages, nobody]} == {200}
    assert len({p.content for p in [*pages, nobody]}) == 1
    assert "como máximo uno de esos correos cada 15 minutos" in nobody.content.decode()


def test_after_fifteen_minutes_one_more_and_four_a_day_at_most(ask, demo):
    for i in range(6):
        ask(ADDRESS, address=f"198.51.100.{i}")
        RateCounter.objects.filter(scope="reset.address").update(
            expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        )
    assert len(mail.outbox) == 4


def test_a_client_is_refused_after_its_budget_saying_when_to_try_again(ask, demo, settings):
    limit = settings.BUDGETS["reset.client"][0]
    for i in range(limit):
        assert ask(f"persona{i}@example.org").status_code == 200
    refused = Client().post(RESET, {"email": ADDRESS}, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 3500
    assert "Llegaron demasiadas solicitudes para restablecer contraseñas" in (
        refused.content.decode()
    )
    assert mail.outbox == []
    # Another client is served.
    assert ask(ADDRESS, address="198.51.100.3").status_code == 200
    assert len(mail.outbox) == 1


def test_a_site_wide_ceiling(ask, demo, settings):
    settings.BUDGETS = {**settings.BUDGETS, "reset.site": (2, 3600)}
    ask("a@example.org", address="198.51.100.1")
    ask("b@example.org", address="198.51.100.2")
    refused = Client().post(RESET, {"email": ADDRESS}, REMOTE_ADDR="198.51.100.3")
    assert refused.status_code == 503
    assert "recibimos demasiadas solicitudes para restablecer" in refused.content.decode()
    assert mail.outbox == []
