"""Accounts: invitation by an admin, one-time expiring links, sign-in with lockout, and
password reset by email, all in Spanish."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation
from states.models import Membership, Organisation, State

from .conftest import PASSWORD, user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Rincon-del-cielo-2026"


def invite_through_admin(client, **overrides):
    client.force_login(user("admin"))
    state = State.objects.get(slug="guanajuato")
    data = {
        "email": "nueva.osc@example.org",
        "state": state.pk,
        "organisation": Organisation.objects.get(name="Kybernus Guanajuato").pk,
        "role": "cso",
        "language": "es-mx",
        **overrides,
    }
    with_callbacks = client.post(reverse("admin:accounts_invitation_add"), data)
    client.logout()
    return with_callbacks


def link_in(message):
    return re.search(r"https?://\S+/cuenta/invitacion/\S+/", message.body).group(0)


def test_admin_invites_and_the_invitee_sets_a_password(
    client, demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite_through_admin(client)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nueva.osc@example.org"]
    assert message.subject == "Invitación a OGP Tracker"
    assert "Kybernus Guanajuato" in message.body
    path = "/" + link_in(message).split("/", 3)[3]

    page = client.get(path)
    assert page.status_code == 200
    assert "Crea tu cuenta" in page.content.decode()
    response = client.post(
        path,
        {"username": "kybernus.gto", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:dashboard")
    account = user("kybernus.gto")
    assert account.email == "nueva.osc@example.org"
    assert account.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(user=account, role="cso", state__slug="guanajuato").exists()

    # One time only.
    client.logout()
    again = client.post(
        path, {"username": "otra", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert again.status_code == 410
    assert not get_user_model().objects.filter(username="otra").exists()


def test_the_admin_cannot_invite_an_official_for_a_cso(client, demo):
    response = invite_through_admin(client, role="official")
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_weak_passwords_are_refused(client, demo):
    invitation, link = services.invite(
        email="x@example.org",
        state=State.objects.get(slug="guanajuato"),
        organisation=Organisation.objects.get(name="Kybernus Guanajuato"),
        role="cso",
        invited_by=None,
        now=timezone.now(),
    )
    path = "/" + link.split("/", 3)[3]
    response = client.post(
        path, {"username": "x", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="x").exists()


def test_an_expired_invitation_does_not_work(client, demo):
    long_ago = timezone.now() - dt.timedelta(days=30)
    _invitation, link = services.invite(
        email="tarde@example.org",
        state=State.objects.get(slug="nuevo-leon"),
        organisation=Organisation.objects.get(name="Cómo Vamos Nuevo León"),
        role="cso",
        invited_by=None,
        now=long_ago,
    )
    path = "/" + link.split("/", 3)[3]
    response = client.get(path)
    assert response.status_code == 410
    assert "ya se usó o venció" in response.content.decode()


def test_login_page_in_spanish_and_sign_in(client, demo):
    page = client.get(reverse("accounts:login"))
    assert "Iniciar sesión" in page.content.decode()
    response = client.post(
        reverse("accounts:login"), {"username": "oficial.guanajuato", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:dashboard")


def test_repeated_failed_logins_lock_out(client, demo, settings):
    url = reverse("accounts:login")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "oficial.guanajuato", "password": "incorrecta"})
    # Now even the right password is refused.
    response = client.post(url, {"username": "oficial.guanajuato", "password": PASSWORD})
    assert response.status_code == 429
    assert "Demasiados intentos" in response.content.decode()
    assert "_auth_user_id" not in client.session


def lock_out(client, settings, **meta):
    url = reverse("accounts:login")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "oficial.guanajuato", "password": "incorrecta"}, **meta)


def sign_in(client, **meta):
    data = {"username": "oficial.guanajuato", "password": PASSWORD}
    return client.post(reverse("accounts:login"), data, **meta).status_code


def test_lockouts_ignore_a_forwarded_address_without_a_trusted_proxy(client, demo, settings):
    # NUM_PROXIES=0: X-Forwarded-For is the client's own claim; changing it does not help.
    lock_out(client, settings, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert sign_in(client, HTTP_X_FORWARDED_FOR="198.51.100.9") == 429


def test_behind_a_proxy_lockouts_are_per_client_address(client, demo, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # Every request comes from the proxy's socket; the proxy appends the client's address.
    lock_out(client, settings, HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7")
    assert sign_in(client, HTTP_X_FORWARDED_FOR="203.0.113.7") == 429
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert sign_in(client, HTTP_X_FORWARDED_FOR="198.51.100.9") == 302


def test_logout_is_a_post(client, demo):
    client.force_login(user("osc.guanajuato"))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, demo, post_reset):
    response = post_reset("osc.guanajuato@example.org", client=client)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "restablecer la contraseña" in body
    path = re.search(r"/cuenta/contrasena/nueva/\S+/", body).group(0)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert user("osc.guanajuato").check_password(NEW_PASSWORD)


def test_header_links_to_sign_in_or_to_the_panel(client, demo):
    assert 'href="/cuenta/entrar/"' in client.get("/").content.decode()
    client.force_login(user("osc.guanajuato"))
    assert 'href="/panel/"' in client.get("/").content.decode()
