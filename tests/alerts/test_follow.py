"""Citizens follow a state or a commitment by email: double opt-in, one-click unsubscribe."""

import datetime as dt
import re

import pytest
from django.core import mail

from alerts import services
from alerts.models import Follow, Notification
from commitments import services as commitment_services
from states.models import State

from .conftest import NOW

pytestmark = pytest.mark.django_db

LINK = r"http://127\.0\.0\.1:8000(/(?:en/)?{}/\S+/)"


def follow(client, url, email, capture):
    with capture(execute=True):
        return client.post(url, {"email": email})


def test_following_a_state_needs_a_confirmed_address(
    client, demo, django_capture_on_commit_callbacks
):
    response = follow(
        client,
        "/seguir/estado/nuevo-leon/",
        "vecina@example.org",
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 200
    assert "Revisa tu correo" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["vecina@example.org"]
    assert message.subject == "Confirma que quieres seguir Nuevo León"
    confirm = re.search(LINK.format("seguir/confirmar"), message.body).group(1)
    assert confirm in message.alternatives[0][0]
    pending = Follow.objects.get(email="vecina@example.org")
    assert (pending.state.slug, pending.confirmed_at, pending.language) == (
        "nuevo-leon",
        None,
        "es-mx",
    )

    # Opening the link (as a mail scanner would) shows a button and confirms nothing.
    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirmar" in page.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed_at is None

    assert client.post(confirm).status_code == 200
    pending.refresh_from_db()
    assert pending.is_active

    # Asking again sends nothing: the address already follows the state.
    mail.outbox.clear()
    follow(
        client,
        "/seguir/estado/nuevo-leon/",
        "vecina@example.org",
        django_capture_on_commit_callbacks,
    )
    assert mail.outbox == []
    assert Follow.objects.filter(email="vecina@example.org").count() == 1


def test_a_follower_gets_the_digest_in_their_language_and_stops_with_one_click(
    client, demo_unwatched, django_capture_on_commit_callbacks
):
    follow(
        client,
        "/en/seguir/compromiso/MXNLE0001/",
        "reporter@example.org",
        django_capture_on_commit_callbacks,
    )
    (message,) = mail.outbox
    assert message.subject == "Confirm that you want to follow MXNLE0001 " + (
        Follow.objects.get().commitment.title
    )
    client.post(re.search(LINK.format("seguir/confirmar"), message.body).group(1))
    mail.outbox.clear()

    commitment_services.flag_stale_milestones(now=NOW)
    services.notify_transitions(now=NOW)
    services.send_digests(now=NOW)
    digest = next(m for m in mail.outbox if m.to == ["reporter@example.org"])
    assert "Milestones that turned red" in digest.body
    assert "MXNLE0001.4" in digest.body
    assert "Stop following MXNLE0001" in digest.body
    unsubscribe = re.search(LINK.format("avisos/baja"), digest.extra_headers["List-Unsubscribe"])
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Opening the link shows what would stop, and stops nothing (see test_unsubscribe.py).
    page = client.get(unsubscribe.group(1))
    assert page.status_code == 200
    assert "MXNLE0001" in page.content.decode()
    assert Follow.objects.get().unsubscribed_at is None
    # The mail client's one-click POST (RFC 8058) stops it.
    done = client.post(unsubscribe.group(1), {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "MXNLE0001" in done.content.decode()
    assert Follow.objects.get().unsubscribed_at is not None
    assert not Notification.objects.filter(follow__isnull=False, sent_at=None).exists()


def test_expired_and_forged_confirmation_links(
    client, demo, settings, django_capture_on_commit_callbacks
):
    follow(
        client, "/seguir/estado/guanajuato/", "a@example.org", django_capture_on_commit_callbacks
    )
    confirm = re.search(LINK.format("seguir/confirmar"), mail.outbox[0].body).group(1)
    settings.FOLLOW_CONFIRM_MAX_AGE = -1
    assert client.post(confirm).status_code == 410
    assert Follow.objects.get().confirmed_at is None
    assert client.get(confirm[:-3] + "xx/").status_code == 404


def test_the_follow_form_refuses_get_and_bad_addresses(client, demo):
    assert client.get("/seguir/estado/guanajuato/").status_code == 405
    response = client.post("/seguir/estado/guanajuato/", {"email": "no es un correo"})
    assert response.status_code == 400
    assert client.post("/seguir/estado/no-existe/", {"email": "a@example.org"}).status_code == 404
    assert not Follow.objects.exists()
    assert mail.outbox == []


def test_the_include_renders_a_follow_form(rf, demo):
    from django.template.loader import render_to_string

    from commitments.models import Commitment

    html = render_to_string(
        "alerts/_follow_form.html",
        {"commitment": Commitment.objects.get(ogp_id="MXNLE0001")},
        request=rf.get("/"),
    )
    assert 'action="/seguir/compromiso/MXNLE0001/"' in html
    assert 'href="/compromisos/MXNLE0001/feed/"' in html
    # No per-visitor token: the form is part of cached public pages (see alerts.views).
    assert 'name="csrfmiddlewaretoken"' not in html


def test_following_from_a_cached_page_works_without_a_csrf_cookie(demo):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/estados/nuevo-leon/")
    assert 'action="/seguir/estado/nuevo-leon/"' in page.content.decode()
    response = browser.post("/seguir/estado/nuevo-leon/", {"email": "vecina@example.org"})
    assert response.status_code == 200


def test_follows_never_confirmed_are_forgotten_once_their_link_expires(demo, settings):
    state = State.objects.get(slug="guanajuato")
    now = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    max_age = dt.timedelta(seconds=settings.FOLLOW_CONFIRM_MAX_AGE)

    def follow(email, **kw):
        return Follow.objects.create(email=email, state=state, **kw)

    follow("expirado@example.org", created_at=now - max_age - dt.timedelta(seconds=1))
    waiting = follow("a-tiempo@example.org", created_at=now - max_age + dt.timedelta(seconds=1))
    confirmed = follow(
        "confirmado@example.org", created_at=now - 10 * max_age, confirmed_at=now - 9 * max_age
    )
    left = follow(
        "baja@example.org", created_at=now - 10 * max_age, unsubscribed_at=now - 9 * max_age
    )
    assert services.purge_unconfirmed_follows(now=now) == 1
    assert set(Follow.objects.values_list("pk", flat=True)) >= {waiting.pk, confirmed.pk, left.pk}
    assert not Follow.objects.filter(email="expirado@example.org").exists()
    assert services.purge_unconfirmed_follows(now=now) == 0
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-unconfirmed-follows"]
    assert schedule["task"] == "alerts.purge_unconfirmed_follows"
