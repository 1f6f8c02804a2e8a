"""Who may do what, in one place. Every contributor view, and later the API, asks here.

A person acts in a state through a Membership (role `official` or `cso`, for an
organisation). Permissions are strings, as in pretix:

- ``milestone:view``: see the contributor page of a milestone (any role in its state);
- ``milestone.status:write``: report status, progress and actual dates (officials);
- ``evidence:add``: add evidence (officials and civil society);
- ``milestone.verification:write``: verify or dispute the reported status (civil society);
- ``evidence:retract``: retract a piece of evidence of one's own organisation (either role).

Admins (Django staff) manage everything in the Django admin; in the contributor panel they act
only through a membership like anyone else, because every change names an organisation.
Refusals: anonymous people are sent to the login page, signed-in people get 403; nothing is
written either way.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from states.models import Membership

from .models import Evidence, Milestone

OFFICIAL, CSO = Membership.Role.OFFICIAL, Membership.Role.CSO

ROLES_FOR = {
    "milestone:view": {OFFICIAL, CSO},
    "milestone.status:write": {OFFICIAL},
    "evidence:add": {OFFICIAL, CSO},
    "milestone.verification:write": {CSO},
    "evidence:retract": {OFFICIAL, CSO},
}


def state_id_of(milestone):
    return milestone.commitment.action_plan.state_id


def memberships_of(user):
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user, state__is_active=True).select_related(
        "organisation", "state"
    )


def membership_for(user, permission, milestone, *, evidence=None):
    """The membership through which `user` may do `permission` on `milestone`, or None."""
    roles = ROLES_FOR[permission]
    candidates = [
        m for m in memberships_of(user).filter(state_id=state_id_of(milestone)) if m.role in roles
    ]
    if evidence is not None:
        # Only the organisation that submitted a piece of evidence may retract it.
        candidates = [m for m in candidates if m.organisation_id == evidence.organisation_id]
    # An official's membership first: a person with both roles reports as the government.
    candidates.sort(key=lambda m: m.role != OFFICIAL)
    return candidates[0] if candidates else None


def has_perm(user, permission, milestone, *, evidence=None):
    return membership_for(user, permission, milestone, evidence=evidence) is not None


def allowed_permissions(user, milestone):
    """The permissions `user` holds on `milestone`, for templates to show only what works."""
    return {p for p in ROLES_FOR if p != "evidence:retract" and has_perm(user, p, milestone)}


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


def _milestone_queryset():
    return Milestone.objects.select_related("commitment__action_plan__state")


def require(permission, *, on="milestone"):
    """View decorator: resolves the milestone (or evidence) in the URL and the membership.

    The view receives them as keyword arguments `milestone` (and `evidence`) and `membership`.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, pk, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            evidence = None
            if on == "evidence":
                evidence = get_object_or_404(
                    Evidence.objects.select_related("milestone__commitment__action_plan__state"),
                    pk=pk,
                )
                milestone = evidence.milestone
            else:
                milestone = get_object_or_404(_milestone_queryset(), pk=pk)
            membership = membership_for(request.user, permission, milestone, evidence=evidence)
            if membership is None:
                raise PermissionDenied
            kwargs.update(milestone=milestone, membership=membership)
            if evidence is not None:
                kwargs["evidence"] = evidence
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def contributor_required(view):
    """For pages that list what a contributor may work on: sign-in required, then any role."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not memberships_of(request.user).exists():
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
