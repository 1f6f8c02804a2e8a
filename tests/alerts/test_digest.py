"""One digest a day per person, in their language, text and HTML, with a working unsubscribe."""

import re

import pytest
from django.core import mail

from alerts import services
from alerts.models import Notification, OptOut
from commitments import services as commitment_services

from .conftest import NOW

pytestmark = pytest.mark.django_db


def digests_by_recipient():
    return {m.to[0]: m for m in mail.outbox}


def html_of(message):
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.fixture
def news(people):
    people["osc.guanajuato"].language = "en"
    people["osc.guanajuato"].save()
    commitment_services.flag_stale_milestones(now=NOW)
    services.notify_transitions(now=NOW)
    return people


def test_one_digest_per_person_in_their_language(news):
    sent = services.send_digests(now=NOW)
    digests = digests_by_recipient()
    assert sent == len(mail.outbox) == len(digests) == 4  # one each, however many events
    spanish = digests["osc.nuevoleon@example.org"]
    assert spanish.subject.startswith("OGP Tracker: ")
    assert spanish.subject.endswith(" novedades en hitos")
    assert "Hola Daniela," in spanish.body
    assert "Hitos que se pusieron en rojo (vencidos o sin actividad)" in spanish.body
    assert "MXNLE0001.4 Informe final de resultados (Nuevo León)" in spanish.body
    assert "en rojo desde el 1 de julio de 2024" in spanish.body
    assert "http://127.0.0.1:8000/compromisos/MXNLE0001/" in spanish.body
    assert "Hitos que se pusieron en rojo" in html_of(spanish)
    assert '<html lang="es-mx">' in html_of(spanish)

    english = digests["osc.guanajuato@example.org"]
    assert english.subject.endswith(" updates on milestones")
    assert "Hello Beatriz," in english.body
    assert "Milestones that turned red (overdue or stale)" in english.body
    assert "red since" in english.body
    assert "Hitos que se pusieron en rojo" not in english.body
    assert "http://127.0.0.1:8000/en/compromisos/MXGTO" in english.body
    assert "Milestones that turned red" in html_of(english)
    # Nuevo León's news never reaches Guanajuato's members.
    assert "MXNLE" not in english.body

    for message in mail.outbox:
        link = re.search(r"http://127\.0\.0\.1:8000/(?:en/)?avisos/baja/\S+/", message.body)
        assert link, message.body
        assert message.extra_headers["List-Unsubscribe"] == f"<{link.group(0)}>"
        assert link.group(0) in html_of(message)
    assert not Notification.objects.filter(sent_at=None).exists()


def test_a_digest_is_sent_once(news):
    services.send_digests(now=NOW)
    count = len(mail.outbox)
    assert services.send_digests(now=NOW) == 0
    assert len(mail.outbox) == count


def test_a_failed_send_is_released_for_the_next_attempt(news, settings):
    settings.EMAIL_BACKEND = "tests.alerts.backends.RefusingBackend"
    user = news["osc.nuevoleon"]
    with pytest.raises(ConnectionRefusedError):
        services.send_user_digest(user_id=user.pk, now=NOW)
    assert Notification.objects.filter(user=user, sent_at=None).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_user_digest(user_id=user.pk, now=NOW) > 0
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_unsubscribe_link_works_in_one_click_without_login(news, client):
    services.send_digests(now=NOW)
    user = news["osc.nuevoleon"]
    message = digests_by_recipient()[user.email]
    link = re.search(r"http://127\.0\.0\.1:8000(/avisos/baja/\S+/)", message.body).group(1)
    # The link opens a page with a button; opening it stops nothing.
    page = client.get(link)
    assert page.status_code == 200
    assert "Dejar de recibir los correos" in page.content.decode()
    assert not OptOut.objects.filter(user=user).exists()
    response = client.post(link)
    assert response.status_code == 200
    assert "No recibirás más correos de avisos de OGP Tracker." in response.content.decode()
    assert OptOut.objects.filter(user=user).exists()
    # Again (a second click, the mail client's POST): still fine, nothing more to do.
    assert client.post(link).status_code == 200
    # New red milestones reach the others, not them.
    mail.outbox.clear()
    Notification.objects.all().delete()
    from commitments.models import Transition

    Transition.objects.update(notified_at=None)
    services.notify_transitions(now=NOW)
    assert not Notification.objects.filter(user=user).exists()
    services.send_digests(now=NOW)
    assert user.email not in digests_by_recipient()
    assert "osc.guanajuato@example.org" in digests_by_recipient()


def test_a_forged_unsubscribe_link_is_refused(client, people):
    assert client.get("/avisos/baja/eyJ1IjoxfQ:forged/").status_code == 404
