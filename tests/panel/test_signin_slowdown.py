"""The per-account slow-down of sign-in (accounts.signin): guesses at one account spread over
many addresses are slowed down, while its owner still gets in: from a browser they signed in
from before, after the wait, or by resetting the password."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ops.models import RateCounter

from .conftest import PASSWORD, user

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
USERNAME = "oficial.guanajuato"


def attempt(password, *, address, client=None, username=USERNAME, url=LOGIN):
    client = client or Client()
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return "_auth_user_id" in client.session


def guess_from_many_addresses(count, *, username=USERNAME, first=0):
    """`count` wrong passwords, each from its own address: django-axes (per user name and
    address) never sees two from one address."""
    return [
        attempt(f"adivina-{i}", address=f"198.51.100.{first + i}", username=username)
        for i in range(count)
    ]


def wait_over(username=USERNAME):
    """Moves the account's wait into the past, as the clock would after it."""
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    RateCounter.objects.filter(scope="signin.account").update(blocked_until=past)


def test_guesses_spread_over_many_addresses_are_slowed_down(demo, settings):
    free = settings.SIGNIN_FREE_FAILURES
    assert free > settings.AXES_FAILURE_LIMIT  # what axes alone would stop, from one address
    answers = guess_from_many_addresses(free)
    assert {a.status_code for a in answers} == {200}  # wrong password, said as usual
    # The next attempt, from yet another address, even with the right password, waits.
    client = Client()
    slowed = attempt(PASSWORD, address="203.0.113.50", client=client)
    assert slowed.status_code == 429
    assert slowed["Retry-After"] == "60"
    page = slowed.content.decode()
    assert "Hubo demasiados intentos fallidos de iniciar sesión con este nombre" in page
    assert "espera 1 minuto antes de intentarlo de nuevo" in page
    assert "restablecer tu contraseña" in page
    assert not signed_in(client)


def test_each_wait_is_longer_up_to_fifteen_minutes(demo, settings):
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES)
    waits = []
    for i in range(7):
        waits.append(int(attempt("otra", address=f"203.0.113.{i}")["Retry-After"]))
        wait_over()
        # The one attempt the end of the wait allows is checked (a wrong one, here).
        assert attempt("otra", address=f"203.0.113.{100 + i}").status_code == 200
    assert waits == [60, 120, 240, 480, 900, 900, 900]


def test_a_refused_attempt_is_no_guess_and_does_not_lengthen_the_wait(demo, settings):
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES)
    row = RateCounter.objects.get(scope="signin.account")
    for i in range(5):
        assert attempt(PASSWORD, address=f"203.0.113.{i}").status_code == 429
    assert RateCounter.objects.get(scope="signin.account").blocked_until == row.blocked_until
    assert RateCounter.objects.get(scope="signin.account").count == row.count


def test_the_owner_signed_in_before_on_this_browser_is_not_slowed_down(demo, settings):
    owner = Client()
    assert attempt(PASSWORD, address="192.0.2.10", client=owner).status_code == 302
    assert settings.SIGNIN_DEVICE_COOKIE in owner.cookies
    owner.post(reverse("accounts:logout"))
    assert not signed_in(owner)
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES + 3)
    assert attempt(PASSWORD, address="203.0.113.9").status_code == 429  # a new browser waits
    # The owner's browser, from any address, signs in at once.
    assert attempt(PASSWORD, address="192.0.2.99", client=owner).status_code == 302
    assert signed_in(owner)


def test_a_device_cookie_of_another_account_or_forged_is_no_help(demo, settings):
    other = Client()
    assert (
        attempt(PASSWORD, address="192.0.2.10", client=other, username="osc.guanajuato").status_code
        == 302
    )
    other.post(reverse("accounts:logout"))
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES)
    assert attempt(PASSWORD, address="192.0.2.10", client=other).status_code == 429
    forged = Client()
    forged.cookies[settings.SIGNIN_DEVICE_COOKIE] = "eyJ1Ijoib2ZpY2lhbC5ndWFuYWp1YXRvIn0:forged"
    assert attempt(PASSWORD, address="192.0.2.11", client=forged).status_code == 429


def test_a_trusted_browser_loses_its_trust_after_its_own_failures(demo, settings):
    owner = Client()
    attempt(PASSWORD, address="192.0.2.10", client=owner)
    owner.post(reverse("accounts:logout"))
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES)
    limit = settings.BUDGETS["signin.device"][0]
    # A stolen cookie is no key: its failures count on it, from any address.
    for i in range(limit):
        assert attempt("adivina", address=f"192.0.2.{20 + i}", client=owner).status_code == 200
    assert attempt(PASSWORD, address="192.0.2.40", client=owner).status_code == 429


def test_after_the_wait_the_right_password_works(demo, settings):
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES + 2)
    client = Client()
    assert attempt(PASSWORD, address="203.0.113.8", client=client).status_code == 429
    wait_over()
    assert attempt(PASSWORD, address="203.0.113.8", client=client).status_code == 302
    assert signed_in(client)
    # The two refused attempts were no guesses, and the sign-in was the owner's: only the
    # failures count against the account.
    row = RateCounter.objects.get(scope="signin.account")
    assert row.count == settings.SIGNIN_FREE_FAILURES


def test_a_password_reset_signs_the_owner_in_and_forgets_the_slow_down(demo, settings, post_reset):
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES + 5)
    owner = Client()
    assert attempt(PASSWORD, address="203.0.113.8", client=owner).status_code == 429
    # The reset is not slowed down by the sign-in failures.
    response = post_reset("oficial.guanajuato@example.org", client=owner, REMOTE_ADDR="203.0.113.8")
    assert response.status_code == 302
    path = re.search(r"/cuenta/contrasena/nueva/\S+/", mail.outbox[0].body).group(0)
    form = owner.get(path, follow=True)
    done = owner.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Otra-clave-segura-2026", "new_password2": "Otra-clave-segura-2026"},
        follow=True,
    )
    assert done.status_code == 200
    assert "ya iniciaste sesión" in done.content.decode()
    assert signed_in(owner)
    assert user(USERNAME).check_password("Otra-clave-segura-2026")
    # Forgotten: a new browser signs in with the new password at once.
    assert not RateCounter.objects.filter(scope="signin.account").exists()
    fresh = Client()
    assert attempt("Otra-clave-segura-2026", address="203.0.113.9", client=fresh).status_code == 302


def test_user_names_without_an_account_are_slowed_down_alike(demo, settings):
    # Nothing tells which user names exist: a made-up one is slowed the same way.
    guess_from_many_addresses(settings.SIGNIN_FREE_FAILURES, username="no.existe")
    slowed = attempt("x", address="203.0.113.1", username="no.existe")
    assert slowed.status_code == 429
    assert "demasiados intentos fallidos" in slowed.content.decode()
    # Spelled with other capitals, it is the same user name to the slow-down.
    assert attempt("x", address="203.0.113.2", username="NO.Existe").status_code == 429


def test_the_admin_sign_in_is_slowed_down_too(demo, settings):
    admin_login = reverse("admin:login")
    for i in range(settings.SIGNIN_FREE_FAILURES):
        attempt("adivina", address=f"198.51.100.{i}", username="admin", url=admin_login)
    client = Client()
    response = attempt(
        PASSWORD, address="203.0.113.3", username="admin", url=admin_login, client=client
    )
    assert "demasiados intentos fallidos" in response.content.decode()
    assert not signed_in(client)


def test_one_client_trying_many_user_names_is_stopped(demo, settings):
    limit = settings.BUDGETS["signin.client"][0]
    for i in range(limit):
        attempt("x", address="203.0.113.77", username=f"nombre{i}")
    refused = attempt(PASSWORD, address="203.0.113.77")
    assert refused.status_code == 429
    assert "desde tu conexión" in refused.content.decode()
    # Its flood stored one row per user name, and stores no more.
    rows = RateCounter.objects.count()
    attempt("x", address="203.0.113.77", username="otro.nombre")
    assert RateCounter.objects.count() == rows
    # Anyone else signs in.
    assert attempt(PASSWORD, address="198.51.100.1").status_code == 302
