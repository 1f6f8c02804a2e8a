import datetime as dt
import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import CommandError, call_command
from django.utils import timezone

from commitments import services
from commitments.models import (
    ActionPlan,
    Commitment,
    Dispute,
    DisputeMessage,
    Evidence,
    HistoryEntry,
    Milestone,
    Reschedule,
    StatusUpdate,
    Verification,
)
from demo import data as demo
from states.models import Membership, Organisation, State, TransparencyBodyTerm
from tests.clock import MX, NOW

pytestmark = pytest.mark.django_db

MODELS = [
    State,
    Organisation,
    TransparencyBodyTerm,
    Membership,
    ActionPlan,
    Commitment,
    Milestone,
    Evidence,
    StatusUpdate,
    Reschedule,
    Verification,
    Dispute,
    DisputeMessage,
    HistoryEntry,
    get_user_model(),
]


def snapshot():
    return {m.__name__: serializers.serialize("json", m.objects.order_by("pk")) for m in MODELS}


def seed(*args, **kwargs):
    out = io.StringIO()
    call_command("seed_demo", *args, force=True, stdout=out, **{"now": NOW, **kwargs})
    return out.getvalue()


def ms(ogp_id, number):
    return Milestone.objects.get(commitment__ogp_id=ogp_id, number=number)


def test_second_run_changes_nothing(empty_db):
    first = seed()
    before = snapshot()
    second = seed()
    assert ": 0 rows added" in second, second
    assert ": 0 rows added" not in first
    assert snapshot() == before


def test_a_second_run_keeps_what_people_changed(empty_db):
    seed()
    official = Membership.objects.get(user__username="oficial.guanajuato")
    guide = ms("MXGTO9004", 2)
    later = NOW + dt.timedelta(hours=1)
    services.report_status(
        milestone=guide, membership=official, base_version=guide.version,
        status="in_progress", progress=95, note="Casi lista", now=later,
    )  # fmt: skip
    Commitment.objects.filter(ogp_id="MXNLE0001").update(title="Cambiado a mano")
    out = seed(now=later + dt.timedelta(days=1))
    assert "0 rows added" in out
    guide.refresh_from_db()
    assert (guide.progress, guide.version) == (95, 2)
    assert Commitment.objects.get(ogp_id="MXNLE0001").title == "Cambiado a mano"


def test_a_missing_row_is_added_back(empty_db):
    seed()
    extra = ms("MXGTO9006", 3)
    extra.delete()
    assert "1 rows added" in seed()
    assert ms("MXGTO9006", 3).signal == extra.signal


def test_reset_replaces_the_demo_content(empty_db):
    seed()
    official = Membership.objects.get(user__username="oficial.guanajuato")
    guide = ms("MXGTO9004", 2)
    services.add_link_evidence(
        milestone=guide, membership=official, url="https://example.org/guia",
        title="Borrador", now=NOW,
    )  # fmt: skip
    out = seed(reset=True)
    assert "demo commitments replaced" in out
    assert not Evidence.objects.filter(url="https://example.org/guia").exists()
    assert ms("MXGTO9004", 2).version == 1


def test_the_story_is_told_for_the_day_it_is_loaded(empty_db):
    later = dt.datetime(2030, 3, 1, 9, 0, tzinfo=MX)
    seed(now=later)
    moved = (later.date() - demo.REFERENCE_DAY).days
    # Invented plans move with the day: stale since the day before, due soon, overdue.
    stale = ms("MXNLE9002", 2)
    assert (stale.signal, timezone.localdate(stale.signal_since)) == (
        "red",
        dt.date(2026, 11, 28) + dt.timedelta(days=moved),
    )
    assert ms("MXGTO9004", 2).signal == "yellow"
    assert ms("MXGTO9004", 2).due_on == dt.date(2026, 12, 15) + dt.timedelta(days=moved)
    assert ms("MXGTO9003", 3).signal == "red"
    # Real commitments keep their real dates.
    late = ms("MXNLE0001", 4)
    assert (late.signal, late.signal_since) == ("red", dt.datetime(2024, 7, 1, tzinfo=MX))
    plan = ActionPlan.objects.get(state__inegi_code="11", number=2)
    assert plan.title.endswith(f"{plan.starts_on.year}-{plan.ends_on.year} (ejemplo)")


def test_now_from_the_command_line(empty_db):
    out = io.StringIO()
    call_command("seed_demo", "--now", "2030-03-01", force=True, stdout=out)
    assert "as of 2030-03-01 09:00" in out.getvalue()
    with pytest.raises(CommandError, match="give a date"):
        call_command("seed_demo", "--now", "2030-03-01T09:00", force=True, stdout=out)


def test_refuses_demo_users_with_debug_off(empty_db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not State.objects.exists()


def test_both_states_with_their_real_facts(demo):
    gto = State.objects.get(inegi_code="11")
    nl = State.objects.get(inegi_code="19")
    assert (gto.name, gto.slug) == ("Guanajuato", "guanajuato")
    assert (nl.name, nl.slug) == ("Nuevo León", "nuevo-leon")
    # Guanajuato's IACIP was extinguished in 2025; its term is kept as history.
    assert gto.transparency_body.name == "Secretaría de la Honestidad"
    assert gto.transparency_terms.get(organisation__acronym="IACIP").ends_on == dt.date(2025, 8, 15)
    titles = set(Commitment.objects.filter(action_plan__state=nl).values_list("title", flat=True))
    assert "Hacer proactiva la transparencia en Nuevo León" in titles
    assert Commitment.objects.get(ogp_id="MXNLE0001").is_illustrative is False
    assert Commitment.objects.get(ogp_id="MXGTO9003").is_illustrative is True


def test_shape_of_the_demo(demo):
    for state in State.objects.active():
        commitments = Commitment.objects.filter(action_plan__state=state)
        assert commitments.count() >= 5, state
        for commitment in commitments:
            if commitment.ogp_id == "MXGTO9007":
                # The one example of a commitment whose milestones are still to be agreed.
                assert not commitment.milestones.exists()
                continue
            assert 3 <= commitment.milestones.count() <= 5, commitment
            assert commitment.lead_institution.state in (state, None)
    statuses = set(Milestone.objects.values_list("status", flat=True))
    assert statuses == {"not_started", "in_progress", "completed"}
    today = dt.date(2026, 11, 29)
    overdue = Milestone.objects.filter(due_on__lt=today).exclude(status="completed")
    assert overdue.filter(commitment__action_plan__state__slug="guanajuato").exists()
    assert overdue.filter(commitment__action_plan__state__slug="nuevo-leon").exists()
    assert Milestone.objects.filter(original_due_on__isnull=False).exists()
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {"government", "cso", "transparency", "academia"} <= kinds


def test_the_demo_shows_each_mark_beside_the_light(demo):
    # Completed late, against the due date in force.
    assert ms("MXGTO9003", 2).light_reason == "completed_late"
    # A disputed completion, answered by the government, still marked.
    disputed = ms("MXGTO9004", 1)
    assert (disputed.status, disputed.verification_status) == ("completed", "disputed")
    dispute = Dispute.objects.get(milestone=disputed)
    assert dispute.state == Dispute.State.ANSWERED
    assert [m.kind for m in dispute.messages.order_by("created_at")] == ["reason", "answer"]
    assert dispute.organisation.name == "Colores del Rincón"
    # Undated (yellow, "sin fecha") and month-only (due at the end of its month).
    undated = ms("MXGTO9005", 4)
    assert (undated.due_on, undated.signal, undated.light_reason) == (None, "yellow", "undated")
    month = ms("MXGTO9003", 4)
    assert month.due_precision == "month"
    assert (month.due_on + dt.timedelta(days=1)).day == 1
    # Moved goalposts: one move before the date, two after it had passed.
    twice = Reschedule.objects.filter(milestone=ms("MXGTO9005", 2)).order_by("created_at")
    assert [m.after_due for m in twice] == [True, True]
    assert twice[0].old_due_on == ms("MXGTO9005", 2).original_due_on
    once = ms("MXGTO9003", 3).reschedules.get()
    assert (once.old_due_on, once.after_due) == (ms("MXGTO9003", 3).original_due_on, False)
    # A civil-society organisation's evidence on a stale milestone leaves it red.
    stale = ms("MXGTO9004", 3)
    pressure = stale.evidence.get(organisation__kind="cso")
    assert pressure.submitted_at > stale.last_activity_at
    assert (stale.signal, stale.light_reason) == ("red", "stale")


def test_every_completed_milestone_has_evidence_and_history(demo):
    for milestone in Milestone.objects.filter(status="completed"):
        assert milestone.evidence.exists(), milestone
        assert milestone.status_updates.filter(new_status="completed").exists(), milestone
        assert milestone.last_activity_at >= milestone.status_updates.latest().created_at


def test_file_evidence_matches_its_sha256(demo):
    files = Evidence.objects.exclude(file="")
    assert files.count() == 2
    for evidence in files:
        with evidence.file.open("rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == evidence.sha256
        assert evidence.original_filename.endswith(".csv")
        assert evidence.original_filename not in evidence.file.name


def test_one_demo_user_per_role_and_state(demo):
    User = get_user_model()
    roles = set(Membership.objects.values_list("state__slug", "role"))
    assert roles == {
        ("guanajuato", "official"),
        ("guanajuato", "cso"),
        ("nuevo-leon", "official"),
        ("nuevo-leon", "cso"),
    }
    official = User.objects.get(username="oficial.guanajuato")
    assert official.check_password("demo-ogp-2026")
    assert official.memberships.get().organisation.kind == "government"
    assert User.objects.get(username="admin").is_superuser
    for membership in Membership.objects.all():
        membership.full_clean()


def test_the_demo_never_touches_a_real_commitment_under_an_id_it_uses(empty_db):
    """MXNLE0001 is real: once imported, neither a plain run nor --reset adds invented
    milestones to it or deletes it."""
    seed()
    real = Commitment.objects.get(ogp_id="MXNLE0001")
    # As if the demo had never loaded it and an import had.
    for m in real.milestones.all():
        for name in ("history", "verifications", "transitions", "status_updates", "evidence"):
            getattr(m, name).all().delete()
        m.reschedules.all().delete()
        m.delete()
    Commitment.objects.filter(pk=real.pk).update(is_demo=False, title="Importado")
    out = seed()
    assert "Left alone, imported under the same OGP id: MXNLE0001" in out
    assert not Milestone.objects.filter(commitment=real).exists()
    seed(reset=True)
    assert Commitment.objects.get(pk=real.pk).title == "Importado"
    assert not Milestone.objects.filter(commitment=real).exists()
