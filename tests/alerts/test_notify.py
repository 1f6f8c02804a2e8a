"""Transitions become notices once, for the right people, never for whoever caused them."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.db.models import Count

from alerts import services
from alerts.models import Follow, Notification, ReminderSent
from commitments import services as commitment_services
from commitments.models import Milestone, Transition
from states.models import Membership
from tests import factories as f

from .conftest import MX, NOW, day

pytestmark = pytest.mark.django_db


def ms(ogp_id, number):
    return Milestone.objects.get(commitment__ogp_id=ogp_id, number=number)


def notices_of(user):
    return set(
        Notification.objects.filter(user=user).values_list(
            "milestone__commitment__ogp_id", "milestone__number", "kind"
        )
    )


def test_turning_red_alerts_the_state_cso_and_the_officials_of_the_commitment(people):
    commitment_services.flag_stale_milestones(now=NOW)
    claimed = services.notify_transitions(now=NOW)
    assert claimed == Transition.objects.count() > 0
    assert not Transition.objects.filter(notified_at=None).exists()
    # MXNLE0001 (led by the Secretaría de Participación Ciudadana) went red in July 2024.
    assert ("MXNLE0001", 4, "red") in notices_of(people["osc.nuevoleon"])
    assert ("MXNLE0001", 4, "red") in notices_of(people["oficial.nuevoleon"])
    # Nobody hears about another state, and officials only about their own commitments.
    assert not {n[0] for n in notices_of(people["osc.guanajuato"])} & {"MXNLE0001"}
    assert ("MXNLE9002", 2, "red") in notices_of(people["osc.nuevoleon"])  # led by Monterrey
    assert ("MXNLE9002", 2, "red") not in notices_of(people["oficial.nuevoleon"])
    # Only red changes reach members; yellow ones are in the public record and feeds.
    assert set(Notification.objects.values_list("kind", flat=True)) == {"red"}


def test_a_second_run_claims_nothing(people):
    commitment_services.flag_stale_milestones(now=NOW)
    services.notify_transitions(now=NOW)
    count = Notification.objects.count()
    assert services.notify_transitions(now=NOW) == 0
    assert Notification.objects.count() == count


def test_whoever_causes_a_change_is_not_notified_of_it(people):
    commitment_services.flag_stale_milestones(now=NOW)
    services.notify_transitions(now=NOW)
    official = people["oficial.nuevoleon"]
    # The same person also follows the commitment as a citizen, with the same address.
    Follow.objects.create(
        email=official.email.upper(), commitment=ms("MXNLE0002", 1).commitment, confirmed_at=NOW
    )
    # The official moves a due date back into the past (a plan change): the milestone is red
    # at once, caused by them.
    milestone = f.milestone(
        ms("MXNLE0002", 1).commitment,
        number=99,
        starts_on=NOW.date() - dt.timedelta(days=90),
        due_on=NOW.date() + dt.timedelta(days=90),
        last_activity_at=NOW,
    )
    commitment_services.flag_stale_milestones(now=NOW)
    milestone.refresh_from_db()
    assert milestone.signal == "green"
    later = NOW + dt.timedelta(hours=1)
    Milestone.objects.filter(pk=milestone.pk).update(due_on=NOW.date() - dt.timedelta(days=30))
    milestone.refresh_from_db()
    transition = commitment_services.refresh_light(
        milestone, now=later, cause=Transition.Cause.PLAN_CHANGE, actor=official
    )
    assert transition.new_signal == "red"
    services.notify_transitions(now=later)
    told = set(Notification.objects.filter(transition=transition).values_list("user", flat=True))
    assert official.pk not in told
    assert people["osc.nuevoleon"].pk in told
    assert not Notification.objects.filter(transition=transition, follow__isnull=False).exists()
    assert Transition.objects.get(pk=transition.pk).notified_at == later


def test_citizens_hear_about_what_they_follow(people):
    state_follow = Follow.objects.create(
        email="vecina@example.org",
        state=ms("MXNLE0001", 4).commitment.action_plan.state,
        confirmed_at=NOW,
    )
    commitment_follow = Follow.objects.create(
        email="vecino@example.org", commitment=ms("MXGTO9004", 2).commitment, confirmed_at=NOW
    )
    unconfirmed = Follow.objects.create(
        email="nadie@example.org", commitment=ms("MXGTO9004", 2).commitment
    )
    commitment_services.flag_stale_milestones(now=NOW)
    services.notify_transitions(now=NOW)
    state_news = Notification.objects.filter(follow=state_follow)
    assert set(state_news.values_list("kind", flat=True)) == {"red"}
    assert ("MXNLE0001", 4) in set(
        state_news.values_list("milestone__commitment__ogp_id", "milestone__number")
    )
    # A commitment's followers hear about every change of its lights, yellow included.
    assert ("MXGTO9004", 2, "light") in set(
        Notification.objects.filter(follow=commitment_follow).values_list(
            "milestone__commitment__ogp_id", "milestone__number", "kind"
        )
    )
    assert not Notification.objects.filter(follow=unconfirmed).exists()


def test_officials_are_reminded_14_days_ahead_once_per_due_date(people):
    official = people["oficial.guanajuato"]
    today = NOW.date()
    milestone = ms("MXGTO9004", 2)  # led by the Secretaría de la Honestidad, due 15 Dec 2026
    assert milestone.commitment.lead_institution.memberships.filter(user=official).exists()
    assert services.queue_due_reminders(today=today - dt.timedelta(days=3), now=NOW) == 0
    assert services.queue_due_reminders(today=today + dt.timedelta(days=2), now=NOW) >= 1
    assert ("MXGTO9004", 2, "due_soon") in notices_of(official)
    assert not Notification.objects.filter(
        kind="due_soon", user__memberships__role=Membership.Role.CSO
    ).exists()
    assert services.queue_due_reminders(today=today + dt.timedelta(days=3), now=NOW) == 0
    # Rescheduled: the new date gets its own reminder when it comes within 14 days.
    Milestone.objects.filter(pk=milestone.pk).update(due_on=day(dt.date(2027, 1, 15)))
    assert services.queue_due_reminders(today=day(dt.date(2027, 1, 5)), now=NOW) >= 1
    assert set(
        ReminderSent.objects.filter(milestone=milestone).values_list("due_on", flat=True)
    ) == {day(dt.date(2026, 12, 15)), day(dt.date(2027, 1, 15))}
    assert (
        Notification.objects.filter(user=official, kind="due_soon", milestone=milestone).count()
        == 2
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_notifiers_claim_each_transition_once(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL's row locks (set DATABASE_URL)")
    state = f.state()
    cso = f.organisation(state, kind="cso")
    user = django_user_model.objects.create_user("osc", "osc@example.org", "x")
    Membership.objects.create(user=user, state=state, organisation=cso, role="cso")
    commitment = f.commitment(f.action_plan(state), f.organisation(state))
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=n,
            title=f"Hito {n}",
            starts_on=dt.date(2025, 1, 1),
            due_on=dt.date(2025, 6, 30),
            last_activity_at=dt.datetime(2025, 5, 1, tzinfo=MX),
            signal="yellow",
            next_check_at=NOW,
            signal_since=NOW,
        )
        for n in range(1, 121)
    )
    commitment_services.flag_stale_milestones(now=NOW)
    assert Transition.objects.count() == 120
    barrier = threading.Barrier(2)
    claimed, errors = [], []

    def notifier():
        try:
            barrier.wait()
            claimed.append(services.notify_transitions(now=NOW))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=notifier) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(claimed) == 120
    assert len(claimed) == 2
    per_transition = Notification.objects.values("transition").annotate(n=Count("id"))
    assert len(per_transition) == 120
    assert {row["n"] for row in per_transition} == {1}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_digest_senders_email_each_person_once(demo_unwatched):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need PostgreSQL's row locks (set DATABASE_URL)")
    from django.core import mail

    commitment_services.flag_stale_milestones(now=NOW)
    services.notify_transitions(now=NOW)
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def sender():
        try:
            barrier.wait()
            sent.append(services.send_digests(now=NOW))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(sent) == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        "oficial.guanajuato@example.org",
        "oficial.nuevoleon@example.org",
        "osc.guanajuato@example.org",
        "osc.nuevoleon@example.org",
    ]
