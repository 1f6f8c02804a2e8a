"""A citizen's subscriptions: one page, reached from any email by a signed link, listing
what the address follows, with a button to stop each and one to stop them all."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from alerts import services, tokens
from alerts.models import Follow, Notification
from commitments.models import Commitment, Milestone, Transition
from states.models import State

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
EMAIL = "vecina@example.org"


@pytest.fixture
def follows(demo):
    nl = State.objects.get(slug="nuevo-leon")
    commitment = Commitment.objects.filter(action_plan__state__slug="guanajuato").first()
    return {
        "state": Follow.objects.create(email=EMAIL, state=nl, confirmed_at=NOW),
        "commitment": Follow.objects.create(email=EMAIL, commitment=commitment, confirmed_at=NOW),
        # Asked for, never confirmed yet.
        "pending": Follow.objects.create(email=EMAIL, state=State.objects.get(slug="guanajuato")),
        "someone_else": Follow.objects.create(email="otra@example.org", state=nl, confirmed_at=NOW),
    }


def page_url(email=EMAIL):
    return f"/avisos/suscripciones/{tokens.subscriptions_token(email)}/"


def links_to_the_page(html, email=EMAIL):
    """Whether `html` links to the subscriptions page of `email`: a token signed for it
    (its time stamp is the second it was made, so not the same string as page_url's)."""
    found = re.findall(r"/avisos/suscripciones/([^/\"]+)/", html)
    return any(tokens.read_subscriptions_token(token) == email.lower() for token in found)


def stop_forms(html):
    return re.findall(r'<form method="post" action="(/avisos/baja/[^"]+/)">', html)


def test_the_page_lists_what_the_address_follows_and_opening_it_changes_nothing(follows):
    response = Client(enforce_csrf_checks=True).get(page_url())
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    assert "Tus suscripciones" in html and EMAIL in html
    assert ">Nuevo León</a>" in html and follows["commitment"].commitment.ogp_id in html
    assert "esperando tu confirmación" in html
    # One button per subject and one for all, and nothing about the other address.
    assert len(stop_forms(html)) == 4
    assert "otra@example.org" not in html
    assert Follow.objects.filter(unsubscribed_at=None).count() == 4


def test_each_button_stops_one_subject_and_the_last_stops_all(follows):
    browser = Client(enforce_csrf_checks=True)
    first, *_rest, everything = stop_forms(browser.get(page_url()).content.decode())
    done = browser.post(first, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    # The page after stopping leads back to what is left.
    assert links_to_the_page(done.content.decode())
    follows["state"].refresh_from_db()
    assert follows["state"].unsubscribed_at is not None
    html = browser.get(page_url()).content.decode()
    assert len(stop_forms(html)) == 3 and ">Nuevo León</a>" not in html
    browser.post(everything, {"List-Unsubscribe": "One-Click"})
    assert not Follow.objects.filter(email=EMAIL, unsubscribed_at=None).exists()
    assert "Esta dirección ya no sigue nada." in browser.get(page_url()).content.decode()
    # The other address still follows.
    assert Follow.objects.get(email="otra@example.org").unsubscribed_at is None


def test_a_forged_or_borrowed_token_is_a_404_and_the_page_is_in_english_too(follows):
    client = Client()
    assert client.get(page_url()[:-4] + "xx/").status_code == 404
    # An unsubscribe token is signed for another purpose.
    unsubscribe = tokens.unsubscribe_token(email=EMAIL)
    assert client.get(f"/avisos/suscripciones/{unsubscribe}/").status_code == 404
    assert client.post(page_url()).status_code == 405
    english = client.get("/en" + page_url()).content.decode()
    assert "Your subscriptions" in english and "awaiting your confirmation" in english


def test_every_digest_links_to_the_page(follows):
    milestone = Milestone.objects.filter(
        commitment__action_plan__state__slug="nuevo-leon", signal="red"
    ).first()
    turned = Transition.objects.create(
        milestone=milestone, old_signal="yellow", new_signal="red", happened_at=NOW,
        recorded_at=NOW, cause=Transition.Cause.CLOCK,
    )  # fmt: skip
    Notification.objects.create(
        follow=follows["state"], kind=Notification.Kind.TURNED_RED, milestone=milestone,
        transition=turned, created_at=NOW,
    )  # fmt: skip
    services.send_citizen_digest(email=EMAIL, now=NOW)
    (message,) = mail.outbox
    link = "http://127.0.0.1:8000/avisos/suscripciones/"
    assert f"Todo lo que sigues: {link}" in message.body and links_to_the_page(message.body)
    html = message.alternatives[0][0]
    assert f'href="{link}' in html and links_to_the_page(html)


def test_the_confirmation_page_links_to_it(follows):
    token = tokens.confirm_token(follows["pending"])
    html = Client().post(f"/seguir/confirmar/{token}/").content.decode()
    assert links_to_the_page(html)
