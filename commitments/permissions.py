"""Who may do what, in one place. The panel (through panel/decorators.py) and the write API
ask here; this module knows no request.

A person acts in a state through a Membership (role `official` or `cso`, for an
organisation). Permissions are strings, as in pretix:

- ``milestone:view``: see the contributor page of a milestone (any role in its state);
- ``milestone.status:write``: report status, progress and actual dates (officials);
- ``evidence:add``: add evidence (officials and civil society);
- ``milestone.verification:write``: verify or dispute the reported status (civil society);
- ``evidence:retract``: retract a piece of evidence of one's own organisation (either role);
- ``dispute:answer``: answer a dispute (officials of an organisation that leads or supports
  the milestone's commitment: the government's right of reply is theirs, not any agency's);
- ``dispute:close``: withdraw or maintain a dispute (civil society of the organisation that
  opened it).

Admins (Django staff) manage everything in the Django admin; in the contributor panel they act
only through a membership like anyone else, because every change names an organisation.
"""

from states.models import Membership

from .models import Milestone

OFFICIAL, CSO = Membership.Role.OFFICIAL, Membership.Role.CSO

ROLES_FOR = {
    "milestone:view": {OFFICIAL, CSO},
    "milestone.status:write": {OFFICIAL},
    "evidence:add": {OFFICIAL, CSO},
    "milestone.verification:write": {CSO},
    "evidence:retract": {OFFICIAL, CSO},
    "dispute:answer": {OFFICIAL},
    "dispute:close": {CSO},
}


def answering_organisation_ids(commitment):
    """The organisations whose officials answer for a commitment: its leads and supporters."""
    return {
        commitment.lead_institution_id,
        *commitment.co_lead_institutions.values_list("id", flat=True),
        *commitment.supporting_institutions.values_list("id", flat=True),
    }


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
    if permission == "dispute:answer":
        answering = answering_organisation_ids(milestone.commitment)
        candidates = [m for m in candidates if m.organisation_id in answering]
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
    """The milestones of the states where `user` has a role: what the panel lists."""
    states = memberships_of(user).values("state_id")
    return Milestone.objects.filter(commitment__action_plan__state_id__in=states)
