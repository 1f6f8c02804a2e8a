"""The right of reply by email: officials of the lead and supporting institutions are told of a
new dispute at once and reminded while it waits, the disputing organisation is told of the
answer, nobody else (followers included) hears of it, and a task delivered twice sends
nothing twice (real emails, Django's outbox)."""

import datetime as dt

import pytest
from django.core import mail

from alerts import disputes, services
from alerts.models import DisputeNotice, Follow, OptOut
from alerts.tasks import notify_dispute, remind_disputes
from commitments.models import Dispute
from states.models import Membership
from tests import disputes as d

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(demo):
    m = d.milestone()
    extra = d.people(m)
    # A second member of the disputing organisation, who hears of the answer too.
    extra["colleague"] = d.member(
        "osc.colores2", "Colores del Rincón", Membership.Role.CSO, first_name="Elena"
    )
    # Citizens following the commitment and the state: never told of a dispute's steps.
    Follow.objects.create(email="vecina@example.org", commitment=m.commitment, confirmed_at=NOW)
    Follow.objects.create(
        email="vecino@example.org", state=m.commitment.action_plan.state, confirmed_at=NOW
    )
    return m


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


def message_to(address):
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return message


def test_a_new_dispute_reaches_the_answering_officials_at_once(
    case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dispute = d.open_dispute(case, now=NOW)
    # Lead and supporting institutions only: not the unrelated agency, not the organisation
    # that disputed, not the followers, not another state.
    assert sent_to() == ["oficial.apaseo@example.org", "oficial.guanajuato@example.org"]
    message = message_to("oficial.guanajuato@example.org")
    assert message.subject == ("Colores del Rincón disputa el estatus de MXGTO9004.2: tu respuesta")
    assert "Hola Ana," in message.body
    assert "Colores del Rincón disputa el estatus que el gobierno reportó para este hito." in (
        message.body
    )
    assert "Estatus en disputa: En proceso (60 %)" in message.body
    assert "No hay evidencia del 60 % reportado" in message.body
    assert f"http://127.0.0.1:8000/panel/hitos/{case.pk}/" in message.body
    assert "http://127.0.0.1:8000/compromisos/MXGTO9004/hitos/2/" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html" and "No hay evidencia del 60 % reportado" in html
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/avisos/")
    notices = DisputeNotice.objects.filter(dispute=dispute)
    assert notices.count() == 2 and not notices.filter(sent_at=None).exists()


def test_each_in_their_language(case, django_capture_on_commit_callbacks):
    supporter = d.membership("oficial.apaseo").user
    supporter.language = "en"
    supporter.save()
    with django_capture_on_commit_callbacks(execute=True):
        d.open_dispute(case, now=NOW)
    english = message_to("oficial.apaseo@example.org")
    assert english.subject == "Colores del Rincón disputes the status of MXGTO9004.2: your answer"
    assert "Hello Rosa," in english.body
    assert "http://127.0.0.1:8000/en/panel/hitos/" in english.body


def test_a_second_delivery_sends_nothing_twice(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispute = d.open_dispute(case, now=NOW)
    count = len(mail.outbox)
    # The outbox may publish a task twice: the same event again sends nothing.
    notify_dispute.apply(args=[dispute.pk, "opened"])
    assert disputes.notify_dispute(dispute_id=dispute.pk, event="opened", now=NOW) == 0
    assert len(mail.outbox) == count == 2


def test_the_disputing_organisation_hears_of_the_answer(case, django_capture_on_commit_callbacks):
    dispute = d.open_dispute(case, now=NOW)  # its notices not run: this test is the answer's
    with django_capture_on_commit_callbacks(execute=True):
        d.answer(dispute, now=NOW, username="oficial.apaseo", text="El padrón está en el anexo 3")
    assert sent_to() == ["osc.colores2@example.org", "osc.guanajuato@example.org"]
    message = message_to("osc.guanajuato@example.org")
    assert message.subject == "Municipio de Apaseo el Alto respondió a tu disputa sobre MXGTO9004.2"
    assert "Hola Beatriz," in message.body
    assert "El padrón está en el anexo 3" in message.body
    assert "retira la disputa; si no, mantenla con tu réplica" in message.body


def test_withdrawn_and_maintained_reach_the_officials(case, django_capture_on_commit_callbacks):
    dispute = d.answer(d.open_dispute(case, now=NOW), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        d.close(dispute, "maintained", now=NOW, text="El anexo 3 no contiene el padrón")
    assert sent_to() == ["oficial.apaseo@example.org", "oficial.guanajuato@example.org"]
    message = message_to("oficial.apaseo@example.org")
    assert message.subject == "Colores del Rincón mantiene su disputa sobre MXGTO9004.2"
    assert "El anexo 3 no contiene el padrón" in message.body
    assert "Tu institución puede responder de nuevo." in message.body

    mail.outbox.clear()
    dispute = d.answer(dispute, now=NOW, text="Ahora sí: anexo 4")
    with django_capture_on_commit_callbacks(execute=True):
        d.close(dispute, "withdrawn", now=NOW)
    assert sent_to() == ["oficial.apaseo@example.org", "oficial.guanajuato@example.org"]
    assert message_to("oficial.guanajuato@example.org").subject == (
        "Colores del Rincón retiró su disputa sobre MXGTO9004.2"
    )


def test_a_notice_no_longer_true_is_not_sent(case):
    # The officials' notice waits (the broker was away) while the dispute is answered.
    dispute = d.answer(d.open_dispute(case, now=NOW), now=NOW)
    assert disputes.notify_dispute(dispute_id=dispute.pk, event="opened", now=NOW) == 0
    assert mail.outbox == []
    # And the organisation hears of the answer in force, once.
    assert disputes.notify_dispute(dispute_id=dispute.pk, event="answered", now=NOW) == 2
    dispute = d.close(dispute, "withdrawn", now=NOW)
    assert disputes.notify_dispute(dispute_id=dispute.pk, event="answered", now=NOW) == 0
    assert len(mail.outbox) == 2


def test_a_failed_send_is_released_for_the_retry(case, settings):
    dispute = d.open_dispute(case, now=NOW)
    settings.EMAIL_BACKEND = "tests.alerts.backends.RefusingBackend"
    with pytest.raises(ConnectionRefusedError):
        disputes.notify_dispute(dispute_id=dispute.pk, event="opened", now=NOW)
    assert DisputeNotice.objects.filter(sent_at=None).count() == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert disputes.notify_dispute(dispute_id=dispute.pk, event="opened", now=NOW) == 2
    assert sent_to() == ["oficial.apaseo@example.org", "oficial.guanajuato@example.org"]


def test_opted_out_people_are_not_written_to(case):
    OptOut.objects.create(user=d.membership("oficial.apaseo").user)
    dispute = d.open_dispute(case, now=NOW)
    disputes.notify_dispute(dispute_id=dispute.pk, event="opened", now=NOW)
    assert sent_to() == ["oficial.guanajuato@example.org"]


def test_reminders_while_it_waits_once_per_interval(case):
    opened = NOW - dt.timedelta(days=10)
    dispute = d.open_dispute(case, now=opened)
    recent = d.open_dispute(d.milestone("MXGTO9004", 3), now=NOW - dt.timedelta(days=3))

    assert disputes.remind_unanswered(now=NOW) == 1
    assert sent_to() == ["oficial.apaseo@example.org", "oficial.guanajuato@example.org"]
    message = message_to("oficial.guanajuato@example.org")
    assert message.subject == "Disputa sin respuesta desde hace 10 días: MXGTO9004.2"
    assert "lleva 10 días sin respuesta" in message.body
    dispute.refresh_from_db()
    assert dispute.reminded_at == NOW
    recent.refresh_from_db()
    assert recent.reminded_at is None  # 3 days: too soon

    # The same run again, or the next day: nothing (at most once every 7 days).
    assert disputes.remind_unanswered(now=NOW) == 0
    assert disputes.remind_unanswered(now=NOW + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 2
    # A week later: reminded again, with the days it has waited; the other one now too.
    mail.outbox.clear()
    assert disputes.remind_unanswered(now=NOW + dt.timedelta(days=7)) == 2
    subjects = {m.subject for m in mail.outbox}
    assert "Disputa sin respuesta desde hace 17 días: MXGTO9004.2" in subjects
    assert "Disputa sin respuesta desde hace 10 días: MXGTO9004.3" in subjects

    # An answered dispute waits no more.
    mail.outbox.clear()
    d.answer(dispute, now=NOW + dt.timedelta(days=8))
    assert disputes.remind_unanswered(now=NOW + dt.timedelta(days=30)) == 1
    assert {m.subject for m in mail.outbox} == {
        "Disputa sin respuesta desde hace 33 días: MXGTO9004.3"
    }


def test_the_reminder_task_is_on_the_beat(settings):
    from celery.schedules import crontab

    from ogptracker.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["dispute-reminders"]
    assert entry["task"] == remind_disputes.name == "alerts.remind_disputes"
    assert isinstance(entry["schedule"], crontab) and entry["schedule"].hour == {6}
    for name in ("alerts.notify_dispute", "alerts.remind_disputes", "alerts.notify_reschedule"):
        task = app.tasks[name]
        assert ConnectionError in task.autoretry_for
        assert task.soft_time_limit < task.time_limit


def test_dispute_steps_never_reach_the_digest(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispute = d.open_dispute(case, now=NOW)
        d.answer(dispute, now=NOW)
    mail.outbox.clear()
    services.send_digests(now=NOW + dt.timedelta(hours=1))
    for message in mail.outbox:
        assert "disputa" not in message.body.lower()
    assert Dispute.objects.get(pk=dispute.pk).state == "answered"
