"""Method 2 through the service layer: only the government resets the clock, checks that
change nothing, late completions, disputes with a right of reply, moved goalposts, undated
milestones, and the change of method applied once."""

import calendar
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commitments import methodology, services
from commitments.models import (
    AppliedMethodology,
    Dispute,
    HistoryEntry,
    Milestone,
    Reschedule,
    Transition,
)
from states.models import Membership, Organisation
from tests import factories as f
from tests.clock import NOW, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(empty_db, django_user_model):
    state = f.state(stale_after_days=30)
    lead = f.organisation(state)
    supporter = f.organisation(state)
    other_agency = f.organisation(state)
    cso = f.organisation(state, kind=Organisation.Kind.CSO)
    commitment = f.commitment(f.action_plan(state), lead)
    commitment.supporting_institutions.add(supporter)

    def member(name, organisation, role):
        user = django_user_model.objects.create_user(
            name, email=f"{name}@example.org", password="x"
        )
        return Membership.objects.create(
            user=user, state=state, organisation=organisation, role=role
        )

    official = Membership.Role.OFFICIAL
    return {
        "state": state,
        "commitment": commitment,
        "lead": member("lead", lead, official),
        "supporter": member("supporter", supporter, official),
        "other": member("other", other_agency, official),
        "cso": member("cso", cso, Membership.Role.CSO),
    }


def on(days):
    return TODAY + dt.timedelta(days=days)


def fresh(milestone):
    return Milestone.objects.get(pk=milestone.pk)


def quiet_milestone(world, **kw):
    """Due in a year; last government activity 40 days ago, so stale (threshold 30)."""
    return f.milestone(
        world["commitment"], now=NOW - dt.timedelta(days=40),
        starts_on=on(-400), due_on=on(365), **kw,
    )  # fmt: skip


def test_civil_society_evidence_leaves_a_stale_milestone_red(world):
    m = quiet_milestone(world)
    services.flag_stale_milestones(now=NOW)
    assert (fresh(m).signal, fresh(m).light_reason) == ("red", "stale")
    later = NOW + dt.timedelta(hours=1)
    services.add_link_evidence(
        milestone=m, membership=world["cso"], url="https://example.org/solicitud",
        title="Solicitud de información sin respuesta", now=later,
    )  # fmt: skip
    assert (fresh(m).signal, fresh(m).light_reason) == ("red", "stale")
    assert fresh(m).last_activity_at == m.last_activity_at
    assert not Transition.objects.filter(milestone=m, recorded_at=later).exists()
    # The government's own evidence does reset it.
    services.add_link_evidence(
        milestone=m, membership=world["lead"], url="https://example.gob.mx/informe",
        title="Informe semestral", now=later,
    )  # fmt: skip
    assert (fresh(m).signal, fresh(m).last_activity_at) == ("green", later)


def test_a_report_that_changes_nothing_is_a_check_that_resets_nothing(world):
    m = quiet_milestone(world)
    services.flag_stale_milestones(now=NOW)
    version = fresh(m).version
    services.report_status(
        milestone=m, membership=world["lead"], base_version=version, status="not_started",
        progress=0, note="Sin cambios", now=NOW,
    )  # fmt: skip
    after = fresh(m)
    assert (after.signal, after.version, after.last_activity_at) == (
        "red", version, m.last_activity_at,
    )  # fmt: skip
    entry = HistoryEntry.objects.get(milestone=m, created_at=NOW)
    assert entry.action == HistoryEntry.Action.CHECKED
    services.report_status(
        milestone=m, membership=world["lead"], base_version=version, status="in_progress",
        progress=10, now=NOW,
    )  # fmt: skip
    assert (fresh(m).signal, fresh(m).version) == ("green", version + 1)


def test_a_late_completion_is_green_with_its_reason(world):
    m = f.milestone(world["commitment"], starts_on=on(-120), due_on=on(-62))
    services.add_link_evidence(
        milestone=m, membership=world["lead"], url="https://example.gob.mx/entrega",
        title="Entrega", now=NOW,
    )  # fmt: skip
    services.report_status(
        milestone=m, membership=world["lead"], base_version=fresh(m).version,
        status="completed", progress=100, now=NOW,
    )  # fmt: skip
    assert (fresh(m).signal, fresh(m).light_reason) == ("green", "completed_late")


def dispute_of(world, m):
    services.report_status(
        milestone=m, membership=world["lead"], base_version=fresh(m).version,
        status="in_progress", progress=80, now=NOW,
    )  # fmt: skip
    services.record_verification(
        milestone=m, membership=world["cso"], base_version=fresh(m).version,
        result="disputed", reason="No hay evidencia del 80 %", now=NOW,
    )  # fmt: skip
    return Dispute.objects.get(milestone=m)


def test_a_dispute_keeps_the_light_and_runs_its_thread(world):
    m = f.milestone(world["commitment"], starts_on=on(-10), due_on=on(200))
    dispute = dispute_of(world, m)
    assert (dispute.state, fresh(m).verification_status, fresh(m).signal) == (
        "open", "disputed", "green",
    )  # fmt: skip
    # A second dispute while this one is in progress is refused.
    with pytest.raises(ValidationError):
        services.record_verification(
            milestone=m, membership=world["cso"], base_version=fresh(m).version,
            result="disputed", reason="Otra vez", now=NOW,
        )  # fmt: skip
    # Only the lead or supporting institutions answer.
    with pytest.raises(PermissionDenied):
        services.answer_dispute(dispute=dispute, membership=world["other"], text="x", now=NOW)
    later = NOW + dt.timedelta(days=3)
    services.answer_dispute(
        dispute=dispute, membership=world["supporter"], text="Ver anexo", now=later
    )
    dispute.refresh_from_db()
    assert (dispute.state, dispute.answered_at) == ("answered", later)
    with pytest.raises(ValidationError):  # maintaining needs a reason
        services.close_dispute(
            dispute=dispute, membership=world["cso"], outcome="maintained", text="", now=later
        )
    services.close_dispute(
        dispute=dispute, membership=world["cso"], outcome="maintained",
        text="El anexo no prueba nada", now=later,
    )  # fmt: skip
    dispute.refresh_from_db()
    assert (dispute.state, fresh(m).verification_status) == ("maintained", "disputed")
    kinds = list(dispute.messages.values_list("kind", flat=True))
    assert kinds == ["reason", "answer", "rejoinder"]
    # A new report by the government supersedes it.
    services.report_status(
        milestone=m, membership=world["lead"], base_version=fresh(m).version,
        status="in_progress", progress=85, now=later,
    )  # fmt: skip
    dispute.refresh_from_db()
    assert (dispute.state, fresh(m).verification_status) == ("superseded", "unverified")


def test_a_withdrawn_dispute_clears_the_mark(world):
    m = f.milestone(world["commitment"], starts_on=on(-10), due_on=on(200))
    dispute = dispute_of(world, m)
    with pytest.raises(PermissionDenied):  # only the organisation that disputed
        services.close_dispute(
            dispute=dispute, membership=world["lead"], outcome="withdrawn", text="", now=NOW
        )
    services.close_dispute(
        dispute=dispute, membership=world["cso"], outcome="withdrawn", text="", now=NOW
    )
    dispute.refresh_from_db()
    assert (dispute.state, fresh(m).verification_status) == ("withdrawn", "unverified")


def test_every_move_of_a_due_date_is_a_reschedule(world):
    m = f.milestone(world["commitment"], starts_on=on(-100), due_on=on(-5))
    services.reschedule_milestone(
        milestone=m, due_on=on(60), now=NOW, actor=world["lead"].user,
        organisation=world["lead"].organisation,
    )  # fmt: skip
    move = Reschedule.objects.get(milestone=m)
    assert (move.old_due_on, move.new_due_on, move.after_due, move.days_moved) == (
        on(-5), on(60), True, 65,
    )  # fmt: skip
    t = Transition.objects.get(milestone=m)
    assert (t.cause, t.old_signal, t.new_signal) == ("reschedule", "red", "green")
    assert fresh(m).original_due_on == on(-5)


def test_undated_and_month_only_dates(world):
    undated = f.milestone(world["commitment"], starts_on=on(-10), due_on=None)
    assert (undated.signal, undated.light_reason) == ("yellow", "undated")
    # A February two years on (28 or 29 days), and an April after it (30).
    february = dt.date(on(0).year + 2, 2, 1)
    february_ends = calendar.monthrange(february.year, 2)[1]
    month = f.milestone(
        world["commitment"], starts_on=on(-10), due_on=february, due_precision="month",
    )  # fmt: skip
    # Created with a month-only date: due on the month's last day, like a moved one.
    assert fresh(month).due_on == february.replace(day=february_ends)
    services.reschedule_milestone(
        milestone=month, due_on=february.replace(month=4, day=3), precision="month", now=NOW
    )
    assert fresh(month).due_on == february.replace(month=4, day=30)


def test_a_change_of_method_is_applied_once_and_never_notified(world):
    m = quiet_milestone(world)
    # A civil-society organisation's evidence reset the clock under method 1.
    services.add_link_evidence(
        milestone=m, membership=world["cso"], url="https://example.org/x", title="x",
        now=NOW - dt.timedelta(days=1),
    )  # fmt: skip
    Milestone.objects.filter(pk=m.pk).update(
        last_activity_at=NOW - dt.timedelta(days=1), signal="green", next_check_at=None
    )
    assert services.apply_methodology(now=NOW) == 1
    t = Transition.objects.get(milestone=m, cause=Transition.Cause.METHODOLOGY)
    assert (t.old_signal, t.new_signal, t.notified_at) == ("green", "red", NOW)
    assert AppliedMethodology.objects.filter(version=methodology.VERSION).exists()
    assert services.apply_methodology(now=NOW) is None
