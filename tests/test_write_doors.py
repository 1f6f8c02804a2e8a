"""Every door that changes what the rules read leaves the light right at commit.

The admin, the importer and the demo loader go through the same services as the panel: a
moved due date keeps the first one and writes history naming who moved it, evidence added by
staff is history and turns the light, a state's new threshold re-assesses its milestones.
"""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from commitments import importer
from commitments.models import (
    Evidence,
    HistoryEntry,
    Milestone,
    Reschedule,
    StatusUpdate,
    Transition,
)
from commitments.services import audit
from states.models import State
from tests.clock import NOW, day

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "ejemplo-plan-de-accion.csv"


def ms(ogp_id, number):
    return Milestone.objects.select_related("commitment__action_plan__state").get(
        commitment__ogp_id=ogp_id, number=number
    )


def assert_lights_follow_the_rules(milestones, now):
    """Each stored light, its onset, reason and next check are what the rules and the record
    say at `now`: what `audit_lights` checks."""
    checked, differences = audit.find_differences(now=now, milestones=milestones)
    assert checked
    assert not differences, [(d.label, d.fields) for d in differences]


def form_data(response):
    """What the admin's change form would post back unchanged, with its inlines."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            if callable(value):
                value = value()
            key = form.add_prefix(name)
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [getattr(v, "pk", v) for v in value]
            else:
                value = getattr(value, "pk", value)
                data[key] = value.isoformat() if isinstance(value, dt.date) else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, 0)
        for form in formset.initial_forms:
            add(form)
    return data


@pytest.fixture
def admin_client(client, demo, django_user_model):
    staff = django_user_model.objects.get(username="admin")
    client.force_login(staff)
    client.staff = staff
    return client


def post_change(client, model, obj, **changes):
    url = reverse(f"admin:{obj._meta.app_label}_{model}_change", args=[obj.pk])
    data = {**form_data(client.get(url)), **changes}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_admin_moving_a_due_date_reassesses_keeps_the_first_date_and_names_the_staff(
    admin_client,
):
    late = ms("MXGTO9003", 3)  # in progress, red: overdue since its due date passed
    assert late.signal == "red" and late.next_check_at is None
    first_due = late.original_due_on  # moved once already in the demo's story
    new_due = timezone.localdate() + dt.timedelta(days=200)

    post_change(admin_client, "milestone", late, due_on=new_due.isoformat())

    late.refresh_from_db()
    assert (late.due_on, late.original_due_on) == (new_due, first_due)
    # No longer overdue; quiet for over half the threshold, so yellow, and the clock watches
    # it again (before, it stayed red with no next check).
    assert late.signal == "yellow" and late.next_check_at is not None
    assert_lights_follow_the_rules(Milestone.objects.filter(pk=late.pk), timezone.now())
    moved = StatusUpdate.objects.filter(milestone=late).latest("created_at")
    assert (moved.old_due_on, moved.new_due_on, moved.author) == (
        day(dt.date(2026, 9, 30)),
        new_due,
        admin_client.staff,
    )
    entry = HistoryEntry.objects.get(milestone=late, action=HistoryEntry.Action.RESCHEDULED)
    assert (entry.author, entry.status_update) == (admin_client.staff, moved)
    change = Transition.objects.get(milestone=late, cause=Transition.Cause.RESCHEDULE)
    assert (change.old_signal, change.new_signal, change.actor) == (
        "red",
        "yellow",
        admin_client.staff,
    )
    # The moved goalpost: after the date had passed, by the staff, on no organisation's behalf.
    move = Reschedule.objects.filter(milestone=late).latest("created_at")
    assert (move.old_due_on, move.new_due_on, move.after_due, move.organisation) == (
        day(dt.date(2026, 9, 30)),
        new_due,
        True,
        None,
    )
    assert move.history_entry == entry
    # Written in the language of the admin's request (Spanish here).
    assert entry.summary == "Fecha de vencimiento cambiada por el equipo del sitio."


def test_admin_keeps_the_first_due_date_of_a_milestone_never_moved(admin_client):
    guide = ms("MXGTO9004", 2)
    assert guide.original_due_on is None
    first_due = guide.due_on
    post_change(admin_client, "milestone", guide, due_on=(first_due - dt.timedelta(days=60)))
    guide.refresh_from_db()
    assert guide.original_due_on == first_due
    assert guide.was_rescheduled


def test_admin_editing_a_title_is_history_and_leaves_the_light(admin_client):
    guide = ms("MXGTO9004", 2)
    before = (guide.signal, guide.signal_since, guide.next_check_at)
    post_change(admin_client, "milestone", guide, title="Guía ciudadana revisada")
    guide.refresh_from_db()
    assert guide.title == "Guía ciudadana revisada"
    assert (guide.signal, guide.signal_since, guide.next_check_at) == before
    entry = HistoryEntry.objects.get(milestone=guide, action=HistoryEntry.Action.EDITED)
    assert entry.author == admin_client.staff


def test_admin_cannot_write_what_the_services_derive(admin_client):
    guide = ms("MXGTO9004", 2)
    post_change(
        admin_client,
        "milestone",
        guide,
        original_due_on="2020-01-01",
        last_activity_at_0="2020-01-01",
        last_activity_at_1="10:00",
        signal="green",
    )
    fresh = ms("MXGTO9004", 2)
    assert (fresh.original_due_on, fresh.last_activity_at, fresh.signal) == (
        guide.original_due_on,
        guide.last_activity_at,
        guide.signal,
    )


def test_admin_adding_a_milestone_assesses_it_at_once(admin_client):
    commitment = ms("MXGTO9004", 2).commitment
    url = reverse("admin:commitments_milestone_add")
    response = admin_client.post(
        url,
        {
            **form_data(admin_client.get(url)),
            "commitment": commitment.pk,
            "number": 9,
            "title": "Hito agregado en la administración",
            "starts_on": "2024-01-01",
            "due_on": "2024-06-30",
        },
    )
    assert response.status_code == 302
    added = ms(commitment.ogp_id, 9)
    assert (added.signal, added.signal_since) == (
        "red",
        dt.datetime(2024, 7, 1, tzinfo=timezone.get_default_timezone()),
    )
    assert_lights_follow_the_rules(Milestone.objects.filter(pk=added.pk), timezone.now())


def test_admin_evidence_is_history_and_turns_the_light(admin_client):
    quiet = ms("MXNLE9002", 2)  # no activity since its planned start: stale, red
    assert quiet.signal == "red"
    response = admin_client.post(
        reverse("admin:commitments_evidence_add"),
        {
            "milestone": quiet.pk,
            "kind": "link",
            "title": "Minuta publicada en el portal municipal",
            "url": "https://www.monterrey.gob.mx/minuta",
            "organisation": quiet.commitment.lead_institution.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    evidence = Evidence.objects.get(url="https://www.monterrey.gob.mx/minuta")
    quiet.refresh_from_db()
    assert quiet.last_activity_at == evidence.submitted_at > NOW
    assert quiet.signal != "red"
    assert_lights_follow_the_rules(Milestone.objects.filter(pk=quiet.pk), timezone.now())
    entry = HistoryEntry.objects.get(evidence=evidence)
    assert (entry.action, entry.author) == (HistoryEntry.Action.EVIDENCE_ADDED, admin_client.staff)
    change = Transition.objects.get(milestone=quiet, cause=Transition.Cause.EVIDENCE)
    assert (change.old_signal, change.actor) == ("red", admin_client.staff)


def test_admin_threshold_change_reassesses_every_milestone_of_the_state(admin_client):
    gto = State.objects.get(slug="guanajuato")
    milestones = Milestone.objects.filter(commitment__action_plan__state=gto)
    red_before = milestones.filter(signal="red").count()
    post_change(admin_client, "state", gto, stale_after_days=30)
    gto.refresh_from_db()
    assert gto.stale_after_days == 30
    assert milestones.filter(signal="red").count() > red_before
    assert_lights_follow_the_rules(milestones, timezone.now())
    changes = Transition.objects.filter(cause=Transition.Cause.RULE_CHANGE)
    assert changes.exists()
    assert not changes.exclude(milestone__commitment__action_plan__state=gto).exists()


def test_import_of_a_moved_date_keeps_the_first_and_names_who_imported(demo, django_user_model):
    gto = State.objects.get(slug="guanajuato")
    staff = django_user_model.objects.get(username="admin")
    importer.import_plan(EXAMPLE.read_bytes(), state=gto, now=NOW)
    m = ms("MXGTO9101", 2)
    text = EXAMPLE.read_text(encoding="utf-8-sig").replace("2028-09-30", "2029-03-31", 1)
    later = NOW + dt.timedelta(hours=1)
    importer.import_plan(text.encode(), state=gto, user=staff, now=later)
    m.refresh_from_db()
    assert (m.due_on, m.original_due_on) == (dt.date(2029, 3, 31), dt.date(2028, 9, 30))
    assert m.next_check_at is not None
    assert_lights_follow_the_rules(Milestone.objects.filter(pk=m.pk), later)
    entry = HistoryEntry.objects.get(milestone=m, action=HistoryEntry.Action.RESCHEDULED)
    assert (entry.author, entry.created_at) == (staff, later)


def test_imported_milestones_are_assessed_as_they_are_created(demo):
    gto = State.objects.get(slug="guanajuato")
    importer.import_plan(EXAMPLE.read_bytes(), state=gto, now=NOW)
    assert_lights_follow_the_rules(Milestone.objects.filter(commitment__ogp_id="MXGTO9101"), NOW)


def test_seed_assesses_every_light_with_its_now():
    call_command("seed_demo", force=True, now=NOW, stdout=io.StringIO())
    assert_lights_follow_the_rules(Milestone.objects.all(), NOW)


def test_admin_adding_a_commitment_with_its_milestones_inline(admin_client):
    plan = ms("MXGTO9004", 2).commitment.action_plan
    url = reverse("admin:commitments_commitment_add")
    data = form_data(admin_client.get(url))
    data.update(
        {
            "action_plan": plan.pk,
            "number": 42,
            "ogp_id": "MXGTO9042",
            "title": "Compromiso agregado en la administración",
            "lead_institution": ms("MXGTO9004", 2).commitment.lead_institution.pk,
            "starts_on": "2024-01-01",
            "ends_on": "2027-06-30",
            "milestones-TOTAL_FORMS": 1,
            "milestones-0-number": 1,
            "milestones-0-title": "Primer hito",
            "milestones-0-starts_on": "2024-01-01",
            "milestones-0-due_on": "2024-06-30",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = ms("MXGTO9042", 1)
    assert added.signal == "red"  # due in 2024, not completed: overdue from the start
    assert_lights_follow_the_rules(Milestone.objects.filter(pk=added.pk), timezone.now())


def test_admin_edits_the_title_of_recorded_evidence_but_not_its_link(admin_client):
    evidence = Evidence.objects.exclude(url="").first()
    post_change(admin_client, "evidence", evidence, title="Título corregido", url="https://x.org")
    evidence.refresh_from_db()
    assert evidence.title == "Título corregido"
    assert evidence.url != "https://x.org"


def test_admin_cannot_move_a_plan_to_another_state(admin_client):
    plan = ms("MXGTO9004", 2).commitment.action_plan
    nl = State.objects.get(slug="nuevo-leon")
    post_change(admin_client, "actionplan", plan, state=nl.pk)
    plan.refresh_from_db()
    assert plan.state.slug == "guanajuato"
