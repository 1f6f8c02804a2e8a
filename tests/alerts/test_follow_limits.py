"""The follow form within budgets: one confirmation per address and subject a day however many
requests, a cap per address, per client and for the whole site; refusals that name no
address; cross-site POSTs refused."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from alerts.models import Follow
from commitments.models import Commitment
from ops.models import OutboxMessage, RateCounter
from states.models import State

pytestmark = pytest.mark.django_db

STATE = "/seguir/estado/nuevo-leon/"


def body(response):
    return response.content.decode()


@pytest.fixture
def sent():
    """The emails sent so far."""
    return mail.outbox


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POSTs the follow form from a client address, running what the request queued when
    it committed (the outbox's publish; the task runs eagerly and sends the email)."""

    def ask(url, email, *, address="203.0.113.7", **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(url, {"email": email}, REMOTE_ADDR=address, **headers)

    return ask


def every_subject():
    """The follow URL of every state and commitment of the demo."""
    slugs = State.objects.active().order_by("slug").values_list("slug", flat=True)
    ids = Commitment.objects.order_by("ogp_id").values_list("ogp_id", flat=True)
    return [f"/seguir/estado/{s}/" for s in slugs] + [f"/seguir/compromiso/{i}/" for i in ids]


def test_twenty_requests_for_one_address_and_subject_send_one_email(demo, ask, sent):
    # From twenty different clients, so no client budget is what stops them.
    pages = [ask(STATE, "vecina@example.org", address=f"203.0.113.{i}") for i in range(20)]
    assert len(sent) == 1
    assert Follow.objects.filter(email="vecina@example.org").count() == 1
    assert OutboxMessage.objects.filter(task="alerts.send_follow_confirmation").count() == 1
    # Every answer is the same page: nothing says which request sent the email.
    assert {p.status_code for p in pages} == {200}
    assert len({body(p) for p in pages}) == 1
    assert "como máximo una vez cada 24 horas" in body(pages[0])


def test_the_same_mailbox_however_it_is_written(demo, ask, sent):
    for i, email in enumerate(["vecina@example.org", "Vecina@Example.org", "vecina+x@example.org"]):
        ask(STATE, email, address=f"198.51.100.{i}")
    assert len(sent) == 1


def test_a_day_later_one_more_confirmation_goes_out(demo, ask, sent):
    ask(STATE, "vecina@example.org")
    # The window of one day has passed for this address and subject.
    RateCounter.objects.filter(scope="follow.subject").update(
        expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    ask(STATE, "vecina@example.org", address="198.51.100.1")
    assert len(sent) == 2
    assert sent[0].to == sent[1].to == ["vecina@example.org"]


def test_one_address_gets_at_most_five_confirmations_a_day_across_subjects(demo, ask, sent):
    urls = every_subject()
    assert len(urls) > 10
    pages = [ask(url, "vecina@example.org", address=f"203.0.113.{i}") for i, url in enumerate(urls)]
    assert len(sent) == 5
    assert {p.status_code for p in pages} == {200}
    # The follows beyond the budget are not recorded either.
    assert Follow.objects.filter(email="vecina@example.org").count() == 5
    # Another address is not affected.
    ask(urls[-1], "otra@example.org")
    assert [m.to for m in sent[5:]] == [["otra@example.org"]]


def test_a_client_is_refused_after_its_budget_saying_when_to_try_again(demo, ask, sent, settings):
    limit = settings.BUDGETS["follow.client"][0]
    for i in range(limit):
        assert ask(STATE, f"persona{i}@example.org").status_code == 200
    refused = ask(STATE, "una.mas@example.org")
    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert "Llegaron demasiadas solicitudes de seguimiento desde tu conexión" in body(refused)
    assert "Inténtalo de nuevo en 60 minutos" in body(refused)
    assert not Follow.objects.filter(email="una.mas@example.org").exists()
    assert len(sent) == limit
    # In English too; and another client is not refused.
    english = ask("/en" + STATE, "una.mas@example.org")
    assert "Too many follow requests have come from your connection" in body(english)
    assert ask(STATE, "una.mas@example.org", address="198.51.100.20").status_code == 200


def test_the_client_budget_counts_requests_not_emails_so_it_reveals_no_address(demo, ask, sent):
    # An address that already follows the state, and one that does not: asking for either
    # costs the client the same and gets the same page.
    Follow.objects.create(
        email="sigue@example.org",
        state=State.objects.get(slug="nuevo-leon"),
        confirmed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    following = ask(STATE, "sigue@example.org", address="203.0.113.1")
    not_following = ask(STATE, "nadie@example.org", address="203.0.113.2")
    assert len(sent) == 1 and sent[0].to == ["nadie@example.org"]
    assert following.status_code == not_following.status_code == 200
    assert body(following).replace("sigue@", "X@") == body(not_following).replace("nadie@", "X@")
    charged = RateCounter.objects.filter(scope="follow.client").values_list("count", flat=True)
    assert sorted(charged) == [1, 1]


def test_a_site_wide_ceiling_stops_every_client(demo, ask, sent, settings):
    settings.BUDGETS = {**settings.BUDGETS, "follow.site": (3, 3600)}
    for i in range(3):
        assert ask(STATE, f"persona{i}@example.org", address=f"203.0.113.{i}").status_code == 200
    refused = ask(STATE, "otra@example.org", address="198.51.100.99")
    assert refused.status_code == 503
    assert int(refused["Retry-After"]) > 0
    assert "recibimos demasiadas solicitudes de seguimiento" in body(refused)
    assert len(sent) == 3


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        # A page of another site on the same host name still says so.
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
    ],
)
def test_cross_site_posts_are_refused(demo, ask, sent, headers):
    response = ask(STATE, "vecina@example.org", **headers)
    assert response.status_code == 403
    assert "Por tu seguridad" in body(response)
    assert not Follow.objects.exists()
    assert sent == []
    assert not RateCounter.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "http://testserver"},
        # Not a browser (no Origin, no Sec-Fetch-Site): no page can have made it send this.
        {},
    ],
)
def test_posts_from_the_sites_own_pages_are_accepted(demo, ask, sent, headers):
    assert ask(STATE, "vecina@example.org", **headers).status_code == 200
    assert len(sent) == 1


def test_a_trusted_origin_is_accepted(demo, ask, sent, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://ogp.example.org"]
    assert (
        ask(STATE, "vecina@example.org", HTTP_ORIGIN="https://ogp.example.org").status_code == 200
    )
    assert len(sent) == 1
