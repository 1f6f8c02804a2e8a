"""Notices describe what is true when they are sent: a moved due date is told as a move
("fecha reprogramada del … al …", to the state's civil society, light change or not), a
change of method or a correction is never news, and a digest tells the net change over its
period with the light now (a milestone red and back to green "se puso en rojo y volvió a
verde"; one yellow and back to green, nothing)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation
from django.utils.formats import date_format

from alerts import services
from alerts.models import Follow, Notification
from commitments import services as commitment_services
from commitments.models import Commitment, Milestone, Reschedule, Transition
from states.models import Organisation
from tests import disputes as d
from tests import factories as f

from .conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = NOW.date()
LATER = NOW + dt.timedelta(hours=1)
# The next morning's digest: after anything the tasks run by these tests queued (they read
# the clock, which is today).
DIGEST_AT = NOW + dt.timedelta(days=1)


def on(days):
    return TODAY + dt.timedelta(days=days)


def spanish(day):
    with translation.override("es"):
        return date_format(day, "DATE_FORMAT")


@pytest.fixture
def world(demo):
    """A fresh commitment of Guanajuato led by the Secretaría de la Honestidad, a citizen who
    follows it, the demo's and the tests' people; nothing of the demo left to notify."""
    Transition.objects.update(notified_at=NOW)
    Notification.objects.all().delete()
    base = Commitment.objects.get(ogp_id="MXGTO9004")
    commitment = f.commitment(
        base.action_plan,
        Organisation.objects.get(name="Secretaría de la Honestidad"),
        number=900,
        ogp_id="MXGTO0900",
    )
    extra = d.people(d.milestone())
    follow = Follow.objects.create(
        email="vecina@example.org", commitment=commitment, confirmed_at=NOW
    )
    return {"commitment": commitment, "follow": follow, **extra}


def digest_of(address):
    found = [m for m in mail.outbox if m.to == [address]]
    assert len(found) <= 1
    return found[0] if found else None


def move(milestone, due_on, *, capture):
    lead = d.membership("oficial.guanajuato")
    with capture(execute=True):
        commitment_services.reschedule_milestone(
            milestone=milestone, due_on=due_on, now=NOW, actor=lead.user,
            organisation=lead.organisation,
        )  # fmt: skip
    return Reschedule.objects.filter(milestone=milestone).latest("created_at")


def test_a_reschedule_is_told_as_a_move_never_as_a_light_turning_green(
    world, django_capture_on_commit_callbacks
):
    overdue = f.milestone(
        world["commitment"], title="Padrón publicado", starts_on=on(-100), due_on=on(-5)
    )
    assert overdue.signal == "red"
    reschedule = move(overdue, on(60), capture=django_capture_on_commit_callbacks)
    assert reschedule.after_due
    transition = Transition.objects.get(milestone=overdue)
    assert (transition.cause, transition.old_signal, transition.new_signal) == (
        "reschedule", "red", "green",
    )  # fmt: skip
    # Every civil-society member of the state hears of the move; not whoever moved it.
    told = set(
        Notification.objects.filter(reschedule=reschedule).values_list("user__username", flat=True)
    )
    assert told == {"osc.guanajuato", "osc.kybernus"}

    services.send_digests(now=DIGEST_AT)
    line = (
        f"fecha reprogramada del {spanish(on(-5))} al {spanish(on(60))} · "
        "reprogramado después de vencer"
    )
    for address in ("osc.guanajuato@example.org", "vecina@example.org"):
        body = digest_of(address).body
        assert "Hitos con fecha reprogramada" in body
        assert f"Padrón publicado (Guanajuato): {line}" in body
        assert "semáforo ahora: verde: en tiempo" in body
        assert "Rojo → Verde" not in body and "rojo → verde" not in body.lower()
    assert digest_of("oficial.guanajuato@example.org") is None  # they moved it


def test_every_reschedule_is_told_to_the_states_civil_society_even_without_a_light_change(
    world, django_capture_on_commit_callbacks
):
    m = f.milestone(world["commitment"], title="Informe", starts_on=on(-10), due_on=on(100))
    reschedule = move(m, on(130), capture=django_capture_on_commit_callbacks)
    assert not Transition.objects.filter(milestone=m).exists()
    assert Notification.objects.filter(reschedule=reschedule, kind="rescheduled").count() == 2
    # A second delivery of the task queues nothing more.
    assert services.queue_reschedule_notices(reschedule_id=reschedule.pk, now=LATER) == 0
    assert Notification.objects.filter(reschedule=reschedule).count() == 2

    services.send_digests(now=DIGEST_AT)
    body = digest_of("osc.kybernus@example.org").body
    assert f"fecha reprogramada del {spanish(on(100))} al {spanish(on(130))}" in body
    assert "después de vencer" not in body
    # Followers are not told of a move that changed nothing they follow.
    assert digest_of("vecina@example.org") is None


def test_two_moves_in_one_digest_are_told_as_their_net_move(
    world, django_capture_on_commit_callbacks
):
    m = f.milestone(world["commitment"], title="Portal", starts_on=on(-10), due_on=on(100))
    move(m, on(130), capture=django_capture_on_commit_callbacks)
    move(m, on(160), capture=django_capture_on_commit_callbacks)
    services.send_digests(now=DIGEST_AT)
    body = digest_of("osc.guanajuato@example.org").body
    assert (
        f"fecha reprogramada del {spanish(on(100))} al {spanish(on(160))} (reprogramada 2 veces)"
    ) in body
    assert body.count("Portal") == 1


@pytest.mark.parametrize("cause", Transition.QUIET_CAUSES)
def test_quiet_causes_are_never_notified(world, cause):
    m = f.milestone(world["commitment"], starts_on=on(-10), due_on=on(100))
    quiet = Transition.objects.create(
        milestone=m, old_signal="green", new_signal="red", happened_at=NOW, recorded_at=NOW,
        cause=cause,
    )  # fmt: skip
    assert services.notify_transitions(now=LATER) == 1  # claimed, so never looked at again
    assert Transition.objects.get(pk=quiet.pk).notified_at == LATER
    assert not Notification.objects.filter(transition=quiet).exists()
    assert services.send_digests(now=DIGEST_AT) == 0
    assert mail.outbox == []


def test_a_digest_after_red_and_back_to_green(world):
    # Quiet since 200 days ago (Guanajuato: stale after 180): red at the next check.
    m = f.milestone(
        world["commitment"], title="Mesa de seguimiento", now=NOW - dt.timedelta(days=200),
        starts_on=on(-300), due_on=on(100),
    )  # fmt: skip
    assert m.signal == "green"
    commitment_services.flag_stale_milestones(now=NOW)
    m.refresh_from_db()
    assert m.signal == "red"
    red_on = Transition.objects.get(milestone=m).happened_at
    services.notify_transitions(now=NOW)
    assert Notification.objects.filter(milestone=m, kind="red").exists()

    # Before the digest, the government reports progress: green again.
    commitment_services.report_status(
        milestone=m, membership=d.membership("oficial.guanajuato"), base_version=m.version,
        status="in_progress", progress=30, note="Se instaló la mesa", now=LATER,
    )  # fmt: skip
    m.refresh_from_db()
    assert m.signal == "green"
    services.notify_transitions(now=LATER)

    services.send_digests(now=DIGEST_AT)
    back = f"Mesa de seguimiento: se puso en rojo el {spanish(red_on.date())} y volvió a verde: "
    for address in ("osc.guanajuato@example.org", "vecina@example.org"):
        body = digest_of(address).body
        assert back + "en tiempo" in body, body
        # Not under "turned red": it is no longer red.
        changed = body.split("Otros cambios de semáforo")
        assert len(changed) == 2 and "Mesa de seguimiento" not in changed[0]


def test_a_milestone_still_red_is_told_red_with_why(world):
    f.milestone(
        world["commitment"], title="Sin avances", now=NOW - dt.timedelta(days=200),
        starts_on=on(-300), due_on=on(100),
    )  # fmt: skip
    commitment_services.flag_stale_milestones(now=NOW)
    services.notify_transitions(now=NOW)
    services.send_digests(now=DIGEST_AT)
    body = digest_of("vecina@example.org").body
    red_section = body.split("Hitos que se pusieron en rojo (vencidos o sin actividad)")[1]
    assert "Sin avances (Guanajuato)" in red_section
    assert "(sin actividad del gobierno)" in red_section


def test_a_light_that_turned_and_turned_back_is_not_news(world):
    # Quiet for 100 days (yellow after half of 180), then the government adds evidence.
    m = f.milestone(
        world["commitment"], title="Consulta", now=NOW - dt.timedelta(days=100),
        starts_on=on(-300), due_on=on(100),
    )  # fmt: skip
    commitment_services.flag_stale_milestones(now=NOW)
    m.refresh_from_db()
    assert m.signal == "yellow"
    services.notify_transitions(now=NOW)
    commitment_services.add_link_evidence(
        milestone=m, membership=d.membership("oficial.guanajuato"),
        url="https://www.guanajuato.gob.mx/consulta", title="Convocatoria", now=LATER,
    )  # fmt: skip
    m.refresh_from_db()
    assert m.signal == "green"
    services.notify_transitions(now=LATER)
    assert Notification.objects.filter(follow=world["follow"]).count() == 2

    services.send_digests(now=DIGEST_AT)
    assert digest_of("vecina@example.org") is None
    # Claimed all the same: not carried into tomorrow's digest.
    assert not Notification.objects.filter(follow=world["follow"], sent_at=None).exists()


def test_a_late_completion_is_never_told_as_on_time(world):
    m = f.milestone(world["commitment"], title="Entrega", starts_on=on(-120), due_on=on(-62))
    services.notify_transitions(now=NOW)
    lead = d.membership("oficial.guanajuato")
    commitment_services.add_link_evidence(
        milestone=m, membership=lead, url="https://www.guanajuato.gob.mx/entrega",
        title="Entrega", now=LATER,
    )  # fmt: skip
    commitment_services.report_status(
        milestone=Milestone.objects.get(pk=m.pk), membership=lead,
        base_version=Milestone.objects.get(pk=m.pk).version, status="completed",
        progress=100, completed_on=TODAY, note="Entregado", now=LATER,
    )  # fmt: skip
    services.notify_transitions(now=LATER)
    services.send_digests(now=DIGEST_AT)
    body = digest_of("vecina@example.org").body
    assert "Entrega: Rojo → verde: completado con retraso: 62 días" in body
    assert "en tiempo" not in body
