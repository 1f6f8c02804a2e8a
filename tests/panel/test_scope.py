"""The permission matrix, extended to the scope of officials' writes: an official writes on the
milestones of commitments their institution leads or supports, or those of any institution
it succeeded; a state may let any of its officials write; the right of reply stays with the
answering institutions either way. Civil society acts on every milestone of its state."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from commitments import permissions
from commitments.models import Milestone, StatusUpdate
from states.models import Membership, Organisation, State

from .conftest import milestone, user

pytestmark = pytest.mark.django_db

GTO_SECRETARIAT = "Secretaría de la Honestidad"
IACIP = "Instituto de Acceso a la Información Pública para el Estado de Guanajuato"
SEDESHU = "Secretaría de Desarrollo Social y Humano"

# The demo's Guanajuato commitments: who leads them.
LED_BY_SECRETARIAT = ("MXGTO9004", 2)  # Secretaría de la Honestidad
LED_BY_IACIP = ("MXGTO9002", 1)  # IACIP, replaced by the Secretaría de la Honestidad
LED_BY_SEDESHU = ("MXGTO9001", 1)  # another agency

WRITES = ("milestone.status:write", "evidence:add", "milestone.verification:write")


def _official(username, organisation_name, state_slug="guanajuato"):
    person = get_user_model().objects.create_user(username, f"{username}@example.org", "x")
    state = State.objects.get(slug=state_slug)
    Membership.objects.create(
        user=person,
        state=state,
        organisation=Organisation.objects.get(name=organisation_name, state=state),
        role=Membership.Role.OFFICIAL,
    )
    return person


@pytest.fixture
def people(demo):
    """The demo's Guanajuato official (Secretaría de la Honestidad) and civil society, an
    official of SEDESHU, and one of an agency replaced by SEDESHU."""
    gto = State.objects.get(slug="guanajuato")
    replaced = Organisation.objects.create(
        name="Coordinación de Programas Sociales (extinta)",
        kind=Organisation.Kind.GOVERNMENT,
        state=gto,
        successor=Organisation.objects.get(name=SEDESHU),
    )
    return {
        "secretariat": user("oficial.guanajuato"),
        "cso": user("osc.guanajuato"),
        "sedeshu": _official("oficial.sedeshu", SEDESHU),
        "replaced": _official("oficial.extinta", replaced.name),
        "other_state": user("oficial.nuevoleon"),
    }


# (person, milestone) -> the writes allowed, with the state's default (scoped officials).
SCOPED = {
    ("secretariat", LED_BY_SECRETARIAT): {"milestone.status:write", "evidence:add"},
    ("secretariat", LED_BY_IACIP): {"milestone.status:write", "evidence:add"},
    ("secretariat", LED_BY_SEDESHU): set(),
    ("sedeshu", LED_BY_SECRETARIAT): set(),
    ("sedeshu", LED_BY_IACIP): set(),
    ("sedeshu", LED_BY_SEDESHU): {"milestone.status:write", "evidence:add"},
    # Replaced: its officials no longer write, not even on what it used to lead.
    ("replaced", LED_BY_SECRETARIAT): set(),
    ("replaced", LED_BY_IACIP): set(),
    ("replaced", LED_BY_SEDESHU): set(),
    ("cso", LED_BY_SECRETARIAT): {"evidence:add", "milestone.verification:write"},
    ("cso", LED_BY_IACIP): {"evidence:add", "milestone.verification:write"},
    ("cso", LED_BY_SEDESHU): {"evidence:add", "milestone.verification:write"},
    ("other_state", LED_BY_SECRETARIAT): set(),
    ("other_state", LED_BY_IACIP): set(),
    ("other_state", LED_BY_SEDESHU): set(),
}


def _allowed(person, target):
    found = milestone(*target)
    return {p for p in WRITES if permissions.has_perm(person, p, found)}


@pytest.mark.parametrize(("who", "target"), list(SCOPED))
def test_officials_write_on_what_their_institution_answers_for(people, who, target):
    assert _allowed(people[who], target) == SCOPED[(who, target)]


@pytest.mark.parametrize(("who", "target"), list(SCOPED))
def test_a_state_may_let_any_of_its_officials_write(people, who, target):
    State.objects.filter(slug="guanajuato").update(any_official_may_report=True)
    expected = SCOPED[(who, target)]
    if who in ("secretariat", "sedeshu", "replaced"):
        # Any official of the state, a replaced institution's too: the state chose so.
        expected = {"milestone.status:write", "evidence:add"}
    assert _allowed(people[who], target) == expected


@pytest.mark.parametrize("any_official", [False, True])
def test_the_right_of_reply_stays_with_the_answering_institutions(people, any_official):
    State.objects.filter(slug="guanajuato").update(any_official_may_report=any_official)
    for who, target, may in [
        ("secretariat", LED_BY_SECRETARIAT, True),
        ("secretariat", LED_BY_IACIP, True),  # as IACIP's successor
        ("secretariat", LED_BY_SEDESHU, False),
        ("sedeshu", LED_BY_SEDESHU, True),
        ("replaced", LED_BY_SEDESHU, False),
    ]:
        found = milestone(*target)
        assert permissions.has_perm(people[who], "dispute:answer", found) is may, (who, target)


@pytest.mark.parametrize("any_official", [False, True])
def test_the_worklist_is_exactly_what_the_person_may_act_on(people, any_official):
    """One rule: the worklist lists a milestone if and only if the permissions allow a write."""
    State.objects.filter(slug="guanajuato").update(any_official_may_report=any_official)
    everything = list(Milestone.objects.select_related("commitment__action_plan__state"))
    for who, person in people.items():
        listed = set(permissions.workable_milestones(person).values_list("pk", flat=True))
        may = {m.pk for m in everything if any(permissions.has_perm(person, p, m) for p in WRITES)}
        assert listed == may, who
        # Not vacuous: everyone but the replaced institution's official (unless the state
        # lets any official write) has something to act on.
        assert bool(listed) is (who != "replaced" or any_official), who


def test_a_scoped_official_is_refused_through_the_panel_and_the_api(client, people):
    """The same answer through either door: 403, nothing written."""
    from accounts.models import ApiToken

    target = milestone(*LED_BY_SEDESHU)
    before = StatusUpdate.objects.filter(milestone=target).count()
    client.force_login(people["secretariat"])
    response = client.post(
        reverse("panel:report-status", kwargs={"pk": target.pk}),
        {
            "status-version": target.version,
            "status-status": "in_progress",
            "status-progress": 40,
            "status-note": "Avance",
        },
    )
    assert response.status_code == 403
    token = ApiToken.issue(user=people["secretariat"], name="integración")[1]
    client.logout()
    response = client.post(
        reverse("api:report-status", kwargs={"pk": target.pk}),
        {"version": target.version, "status": "in_progress", "progress": 40, "note": "Avance"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 403
    assert StatusUpdate.objects.filter(milestone=target).count() == before
    # The milestone page still opens (any role in the state sees it), without the form.
    client.force_login(people["secretariat"])
    html = client.get(reverse("panel:milestone", kwargs={"pk": target.pk})).content.decode()
    assert "Reportar estatus" not in html


def test_a_successor_reports_on_its_predecessors_commitment(client, people):
    target = milestone(*LED_BY_IACIP)
    client.force_login(people["secretariat"])
    response = client.post(
        reverse("panel:report-status", kwargs={"pk": target.pk}),
        {
            "status-version": target.version,
            "status-status": "in_progress",
            "status-progress": 40,
            "status-note": "La Secretaría asumió las funciones del IACIP",
        },
    )
    assert response.status_code == 302
    update = StatusUpdate.objects.filter(milestone=target).latest("created_at", "id")
    assert update.organisation.name == GTO_SECRETARIAT


def test_a_successor_hears_of_its_predecessors_milestones(people):
    from alerts.selectors import users_to_alert

    found = milestone(*LED_BY_IACIP)
    told = set(users_to_alert(milestone=found, roles={Membership.Role.OFFICIAL}))
    assert people["secretariat"] in told
    assert people["sedeshu"] not in told


def test_an_institution_cannot_succeed_itself(people):
    from django.core.exceptions import ValidationError

    a = Organisation.objects.get(name=SEDESHU)
    b = Organisation.objects.get(name="Coordinación de Programas Sociales (extinta)")
    a.successor = b  # b is already replaced by a
    with pytest.raises(ValidationError) as error:
        a.clean()
    assert "successor" in error.value.message_dict
