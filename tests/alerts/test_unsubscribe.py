"""Unsubscribing: opening a link (a person, or a mail provider's link scanner) changes
nothing; the button's POST or the mail client's one-click POST (RFC 8058) does, with the signed
token alone: no login, no cookie, no CSRF token."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from alerts import services, tokens
from alerts.models import Follow, Notification, OptOut
from commitments.models import Milestone, Transition
from states.models import State

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def follow(demo):
    follow = Follow.objects.create(
        email="vecina@example.org", state=State.objects.get(slug="nuevo-leon"), confirmed_at=NOW
    )
    # A milestone red in the demo, with the transition that turned it, so the digest (which
    # leaves out what the light has since undone) has news to tell.
    milestone = Milestone.objects.filter(
        commitment__action_plan__state__slug="nuevo-leon", signal="red"
    ).first()
    turned = Transition.objects.create(
        milestone=milestone,
        old_signal="yellow",
        new_signal="red",
        happened_at=NOW,
        recorded_at=NOW,
        cause=Transition.Cause.CLOCK,
    )
    Notification.objects.create(
        follow=follow,
        kind=Notification.Kind.TURNED_RED,
        milestone=milestone,
        transition=turned,
        created_at=NOW,
    )
    return follow


def link(**target):
    return reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(**target)])


def nothing_stopped(follow, user=None):
    follow.refresh_from_db()
    return (
        follow.unsubscribed_at is None
        and Notification.objects.filter(follow=follow, sent_at=None).exists()
        and (user is None or not OptOut.objects.filter(user=user).exists())
    )


def scanner():
    """A mail provider's link scanner: no cookie, and it opens every link it finds."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("target", ["follow", "email", "user"])
def test_opening_the_link_changes_nothing(follow, official_nl, target):
    url = {
        "follow": lambda: link(follow=follow),
        "email": lambda: link(email=follow.email),
        "user": lambda: link(user=official_nl),
    }[target]()
    for method in ("get", "head"):
        response = getattr(scanner(), method)(url)
        assert response.status_code == 200
        assert nothing_stopped(follow, official_nl)
        assert not OptOut.objects.exists()
    page = scanner().get(url).content.decode()
    assert "Dejar de recibir correos" in page
    assert 'method="post"' in page
    assert 'name="csrfmiddlewaretoken"' not in page
    assert scanner().get(url)["Cache-Control"].startswith("max-age=0")


def test_the_page_says_what_would_stop(follow, official_nl):
    page = scanner().get(link(email=follow.email)).content.decode()
    assert "Cuando confirmes, ya no recibirás correos sobre:" in page
    assert "<li>Nuevo León</li>" in page
    user_page = scanner().get(link(user=official_nl)).content.decode()
    assert "ya no recibirás correos de avisos de OGP Tracker" in user_page


def test_the_one_click_post_unsubscribes_with_the_token_alone(follow):
    response = scanner().post(
        link(follow=follow),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Baja confirmada" in response.content.decode()
    assert not nothing_stopped(follow)
    assert not Notification.objects.filter(follow=follow, sent_at=None).exists()
    # Once it is done, the page says so and a second POST changes nothing more.
    assert "ya estaba detenido" in scanner().get(link(follow=follow)).content.decode()
    assert scanner().post(link(follow=follow)).status_code == 200


def test_a_users_button_post_opts_out(official_nl):
    response = scanner().post(link(user=official_nl), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert OptOut.objects.filter(user=official_nl).exists()


def test_a_forged_or_other_method_changes_nothing(follow):
    forged = link(follow=follow)[:-4] + "xx/"
    assert scanner().post(forged).status_code == 404
    assert scanner().get(forged).status_code == 404
    assert scanner().put(link(follow=follow)).status_code == 405
    assert scanner().delete(link(follow=follow)).status_code == 405
    assert nothing_stopped(follow)


def test_every_digest_offers_one_click_unsubscribe_headers(follow):
    services.send_citizen_digest(email=follow.email, now=NOW)
    (message,) = mail.outbox
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://127.0.0.1:8000/avisos/baja/") and header.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The header's URL takes the one-click POST.
    path = header[1:-1].removeprefix("http://127.0.0.1:8000")
    assert scanner().get(path).status_code == 200
    follow.refresh_from_db()
    assert follow.unsubscribed_at is None
    scanner().post(path, {"List-Unsubscribe": "One-Click"})
    follow.refresh_from_db()
    assert follow.unsubscribed_at is not None
