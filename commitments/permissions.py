"""Who may do what, in one place. The panel (through panel/decorators.py) and the write API
ask here; this module knows no request.

A person acts in a state through a Membership (role `official` or `cso`, for an
organisation). Permissions are strings, as in pretix:

- ``milestone:view``: see the contributor page of a milestone (any role in its state);
- ``milestone.status:write``: report status, progress and actual dates (officials of an
  organisation that leads or supports the milestone's commitment, or any official of a state
  that allows it: `State.any_official_may_report`);
- ``evidence:add``: add evidence (civil society of the state; officials as for the status);
- ``milestone.verification:write``: verify or dispute the reported status (civil society);
- ``evidence:retract``: retract a piece of evidence of one's own organisation (either role);
- ``dispute:answer``: answer a dispute (officials of an organisation that leads or supports
  the milestone's commitment: the government's right of reply is theirs, not any agency's);
- ``dispute:close``: withdraw or maintain a dispute (civil society of the organisation that
  opened it);
- ``information_request:write``: draft, file and follow an access-to-information request
  about a milestone (civil society; transparency/, for its own organisation's requests).

An institution replaced by another (`Organisation.successor`) no longer answers for anything:
its commitments pass to the end of its chain of successors, whose officials act for them.

Admins (Django staff) manage everything in the Django admin; in the contributor panel they act
only through a membership like anyone else, because every change names an organisation.
"""

import functools

from django.db.models import Q

from states.models import Membership, Organisation

from .models import Commitment, Milestone

OFFICIAL, CSO = Membership.Role.OFFICIAL, Membership.Role.CSO

ROLES_FOR = {
    "milestone:view": {OFFICIAL, CSO},
    "milestone.status:write": {OFFICIAL},
    "evidence:add": {OFFICIAL, CSO},
    "milestone.verification:write": {CSO},
    "evidence:retract": {OFFICIAL, CSO},
    "dispute:answer": {OFFICIAL},
    "dispute:close": {CSO},
    "information_request:write": {CSO},
}


# Officials' writes limited to the commitments their organisation answers for (unless the
# state allows any official: SCOPED_UNLESS_STATE_ALLOWS); the right of reply always is.
SCOPED_UNLESS_STATE_ALLOWS = {"milestone.status:write", "evidence:add"}
ALWAYS_SCOPED = {"dispute:answer"}


def _successors():
    """{organisation id: successor id} of every replaced organisation (a short list)."""
    return dict(
        Organisation.objects.filter(successor__isnull=False).values_list("id", "successor_id")
    )


def holder_id(organisation_id, successors=None):
    """The organisation that answers today for what `organisation_id` was given: itself, or
    the end of its chain of successors."""
    successors = _successors() if successors is None else successors
    seen = set()
    while organisation_id in successors and organisation_id not in seen:
        seen.add(organisation_id)
        organisation_id = successors[organisation_id]
    return organisation_id


def represented_ids(organisation_id):
    """The organisations whose commitments `organisation_id`'s officials answer for: itself and
    every organisation it succeeded, directly or not; none if it was replaced itself."""
    successors = _successors()
    if organisation_id in successors:
        return set()
    return {
        o for o in [organisation_id, *successors] if holder_id(o, successors) == organisation_id
    }


def answering_organisation_ids(commitment):
    """The organisations whose officials answer for a commitment: its leads and supporters, or
    whoever succeeded them."""
    direct = {
        commitment.lead_institution_id,
        *commitment.co_lead_institutions.values_list("id", flat=True),
        *commitment.supporting_institutions.values_list("id", flat=True),
    }
    successors = _successors()
    return {holder_id(o, successors) for o in direct}


def answers_for_q(organisation_id, prefix=""):
    """A Q on commitments (or, with `prefix` such as "commitment__", on what points to one)
    that `organisation_id` answers for."""
    ids = represented_ids(organisation_id)
    return (
        Q(**{f"{prefix}lead_institution_id__in": ids})
        | Q(**{f"{prefix}co_lead_institutions__in": ids})
        | Q(**{f"{prefix}supporting_institutions__in": ids})
    )


def _in_scope(membership, permission, answering):
    """Whether a membership may do `permission` on a commitment; `answering` gives the
    organisations that answer for it (read only when an official's scope needs it)."""
    if membership.role != OFFICIAL:
        return True
    if permission in SCOPED_UNLESS_STATE_ALLOWS and membership.state.any_official_may_report:
        return True
    if permission in SCOPED_UNLESS_STATE_ALLOWS | ALWAYS_SCOPED:
        return membership.organisation_id in answering()
    return True


def state_id_of(milestone):
    return milestone.commitment.action_plan.state_id


def memberships_of(user):
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user, state__is_active=True).select_related(
        "organisation", "state"
    )


def membership_for(user, permission, milestone, *, evidence=None, dispute=None):
    """The membership through which `user` may do `permission` on `milestone`, or None."""
    roles = ROLES_FOR[permission]
    candidates = [
        m for m in memberships_of(user).filter(state_id=state_id_of(milestone)) if m.role in roles
    ]
    if evidence is not None:
        # Only the organisation that submitted a piece of evidence may retract it.
        candidates = [m for m in candidates if m.organisation_id == evidence.organisation_id]
    answering = functools.cache(lambda: answering_organisation_ids(milestone.commitment))
    candidates = [m for m in candidates if _in_scope(m, permission, answering)]
    if permission == "dispute:close":
        opener = dispute.organisation_id if dispute is not None else None
        candidates = [m for m in candidates if m.organisation_id == opener]
    # An official's membership first: a person with both roles reports as the government.
    candidates.sort(key=lambda m: m.role != OFFICIAL)
    return candidates[0] if candidates else None


def has_perm(user, permission, milestone, *, evidence=None, dispute=None):
    found = membership_for(user, permission, milestone, evidence=evidence, dispute=dispute)
    return found is not None


def allowed_permissions(user, milestone, *, dispute=None):
    """The permissions `user` holds on `milestone`, for templates to show only what works
    (those on a dispute, for its active dispute if given)."""
    return {
        p
        for p in ROLES_FOR
        if p != "evidence:retract"
        and (dispute is not None or not p.startswith("dispute:"))
        and has_perm(user, p, milestone, dispute=dispute)
    }


def retractable_evidence_ids(user, milestone):
    orgs = {
        m.organisation_id
        for m in memberships_of(user).filter(state_id=state_id_of(milestone))
        if m.role in ROLES_FOR["evidence:retract"]
    }
    return {e.pk for e in milestone.evidence.all() if e.organisation_id in orgs}


def visible_milestones(user):
    """The milestones of the states where `user` has a role: what the panel lets them see."""
    states = memberships_of(user).values("state_id")
    return Milestone.objects.filter(commitment__action_plan__state_id__in=states)


def workable_milestones(user):
    """The milestones `user` may act on (report, add evidence, verify): every milestone of a
    state where they are civil society or where any official may report, and those of the
    commitments their institution answers for where they are an official. The worklist."""
    where = Q(pk__in=[])
    for m in memberships_of(user):
        in_state = Q(commitment__action_plan__state_id=m.state_id)
        if m.role == CSO or m.state.any_official_may_report:
            where |= in_state
        else:
            where |= in_state & Q(
                commitment__in=Commitment.objects.filter(answers_for_q(m.organisation_id))
            )
    return Milestone.objects.filter(where)
