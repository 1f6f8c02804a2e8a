"""Structural rules live in the database: each one here refuses a bad row on its own."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import DataError, IntegrityError, transaction

from commitments.models import ActionPlan, Evidence, Milestone
from states.models import Membership, Organisation, State, TransparencyBodyTerm
from tests import factories as f

pytestmark = pytest.mark.django_db


def refused(callable_, *args, **kwargs):
    # PostgreSQL answers a value longer than its column with DataError; both refuse the row.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        callable_(*args, **kwargs)


@pytest.fixture(autouse=True)
def _no_demo(empty_db):
    pass


@pytest.fixture
def gto():
    return f.state(name="Guanajuato", slug="guanajuato", inegi_code="11")


@pytest.fixture
def lead(gto):
    return f.organisation(gto, name="Secretaría de la Honestidad")


@pytest.fixture
def commitment(gto, lead):
    return f.commitment(f.action_plan(gto), lead)


def test_state_inegi_code_is_unique(gto):
    refused(State.objects.create, name="Otro", slug="otro", inegi_code="11")


@pytest.mark.parametrize("code", ["1", "123", "AB", "1a"])
def test_state_inegi_code_has_two_digits(code):
    refused(State.objects.create, name="Otro", slug="otro", inegi_code=code)


def test_state_slug_is_unique(gto):
    refused(State.objects.create, name="Otro", slug="guanajuato", inegi_code="12")


def test_state_stale_threshold_is_positive():
    refused(State.objects.create, name="Otro", slug="otro", inegi_code="12", stale_after_days=0)


def test_state_default_stale_threshold_is_180_days(gto):
    assert gto.stale_after_days == 180


def test_organisation_name_unique_within_state(gto, lead):
    refused(Organisation.objects.create, name=lead.name, kind="government", state=gto)


def test_same_organisation_name_allowed_in_another_state(lead):
    other = f.state()
    Organisation.objects.create(name=lead.name, kind="government", state=other)


def test_national_organisation_name_is_unique():
    Organisation.objects.create(name="Accountability Lab México", kind="cso")
    refused(Organisation.objects.create, name="Accountability Lab México", kind="cso")


def test_one_current_transparency_body_per_state(gto):
    iacip = f.organisation(gto, kind="transparency", name="IACIP")
    honestidad = f.organisation(gto, name="Secretaría de la Honestidad (transparencia)")
    TransparencyBodyTerm.objects.create(state=gto, organisation=iacip)
    refused(TransparencyBodyTerm.objects.create, state=gto, organisation=honestidad)
    # Once the first term is closed, the successor can take over: the history is kept.
    TransparencyBodyTerm.objects.filter(organisation=iacip).update(ends_on=dt.date(2025, 8, 15))
    TransparencyBodyTerm.objects.create(
        state=gto, organisation=honestidad, starts_on=dt.date(2025, 8, 15)
    )
    gto.refresh_from_db()
    assert gto.transparency_body == honestidad
    assert gto.transparency_terms.count() == 2


def test_transparency_term_cannot_end_before_it_starts(gto, lead):
    refused(
        TransparencyBodyTerm.objects.create,
        state=gto,
        organisation=lead,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2024, 1, 1),
    )


def test_one_membership_per_user_state_and_role(gto, lead):
    user = get_user_model().objects.create_user("ana", "ana@example.org", "x")
    Membership.objects.create(user=user, state=gto, organisation=lead, role="official")
    other_agency = f.organisation(gto)
    refused(
        Membership.objects.create, user=user, state=gto, organisation=other_agency, role="official"
    )
    # The same person may hold another role, or the same role in another state.
    cso = f.organisation(gto, kind="cso")
    Membership.objects.create(user=user, state=gto, organisation=cso, role="cso")
    other_state = f.state()
    Membership.objects.create(
        user=user, state=other_state, organisation=f.organisation(other_state), role="official"
    )


def test_user_email_is_unique():
    User = get_user_model()
    User.objects.create_user("ana", "ana@example.org", "x")
    refused(User.objects.create_user, "ana2", "ana@example.org", "x")


def test_action_plan_cannot_end_before_it_starts(gto):
    refused(
        ActionPlan.objects.create,
        state=gto,
        number=1,
        title="Plan",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2024, 12, 31),
    )


def test_action_plan_number_unique_per_state(gto):
    f.action_plan(gto, number=1)
    refused(f.action_plan, gto, number=1)


def test_commitment_ogp_id_is_unique(commitment, lead):
    refused(f.commitment, commitment.action_plan, lead, ogp_id=commitment.ogp_id)


def test_commitment_cannot_end_before_it_starts(commitment, lead):
    refused(
        f.commitment,
        commitment.action_plan,
        lead,
        starts_on=dt.date(2025, 6, 1),
        ends_on=dt.date(2025, 5, 31),
    )


def test_lead_institution_cannot_be_deleted_while_it_leads(commitment, lead):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        lead.delete()


@pytest.mark.parametrize("progress", [101, 250])
def test_milestone_progress_is_at_most_100(commitment, progress):
    refused(f.raw_milestone, commitment, progress=progress, status="in_progress")


def test_milestone_progress_update_beyond_100_refused(commitment):
    milestone = f.milestone(commitment, status="in_progress", progress=40)
    refused(Milestone.objects.filter(pk=milestone.pk).update, progress=101)
    milestone.refresh_from_db()
    assert milestone.progress == 40


def test_milestone_due_date_not_before_start(commitment):
    refused(f.raw_milestone, commitment, starts_on=dt.date(2025, 6, 1), due_on=dt.date(2025, 5, 1))


def test_milestone_due_on_start_day_is_allowed(commitment):
    f.milestone(commitment, starts_on=dt.date(2025, 6, 1), due_on=dt.date(2025, 6, 1))


def test_milestone_number_unique_in_commitment(commitment):
    f.milestone(commitment, number=1)
    refused(f.raw_milestone, commitment, number=1)


def test_completed_milestone_needs_completion_date_and_full_progress(commitment):
    refused(f.raw_milestone, commitment, status="completed", progress=100)
    refused(
        f.raw_milestone,
        commitment,
        status="completed",
        progress=90,
        completed_on=dt.date(2025, 6, 1),
    )
    f.milestone(commitment, status="completed", progress=100, completed_on=dt.date(2025, 6, 1))


def test_unfinished_milestone_has_no_completion_date(commitment):
    refused(
        f.raw_milestone,
        commitment,
        status="in_progress",
        progress=50,
        completed_on=dt.date(2025, 6, 1),
    )


@pytest.fixture
def milestone(commitment):
    return f.milestone(commitment)


def link_evidence(milestone, lead, **kw):
    return Evidence.objects.create(
        milestone=milestone,
        kind="link",
        title="Minuta",
        organisation=lead,
        **{"url": "https://www.guanajuato.gob.mx/minuta", **kw},
    )


def test_evidence_is_a_file_or_a_link_not_neither(milestone, lead):
    refused(link_evidence, milestone, lead, url="")


def test_evidence_is_a_file_or_a_link_not_both(milestone, lead):
    def both():
        evidence = Evidence(
            milestone=milestone,
            kind="document",
            title="Acta",
            organisation=lead,
            url="https://example.org/acta",
            sha256="a" * 64,
        )
        evidence.file.save("acta.pdf", ContentFile(b"%PDF-1.4"), save=False)
        evidence.save()

    refused(both)


def test_file_evidence_needs_its_sha256(milestone, lead):
    def without_hash(sha256):
        evidence = Evidence(milestone=milestone, kind="document", title="Acta", organisation=lead)
        evidence.sha256 = sha256
        evidence.file.save("acta.pdf", ContentFile(b"%PDF-1.4"), save=False)
        evidence.save()

    refused(without_hash, "")
    refused(without_hash, "not-a-hash")
    without_hash("0" * 64)


def test_link_evidence_has_no_sha256(milestone, lead):
    refused(link_evidence, milestone, lead, sha256="0" * 64)


def test_retraction_needs_a_reason(milestone, lead):
    evidence = link_evidence(milestone, lead)
    refused(Evidence.objects.filter(pk=evidence.pk).update, retracted_at=dt.datetime.now(dt.UTC))
    Evidence.objects.filter(pk=evidence.pk).update(
        retracted_at=dt.datetime.now(dt.UTC), retraction_reason="Liga equivocada"
    )


def test_same_link_only_once_per_milestone(milestone, lead):
    link_evidence(milestone, lead)
    refused(link_evidence, milestone, lead)


def test_milestone_with_evidence_cannot_be_deleted(milestone, lead):
    from django.db.models import ProtectedError

    link_evidence(milestone, lead)
    with pytest.raises(ProtectedError):
        milestone.delete()
