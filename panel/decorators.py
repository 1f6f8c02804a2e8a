"""The panel's permission decorators: the HTTP side of commitments.permissions.

Refusals: anonymous people are sent to the login page, signed-in people get 403, and a
milestone or evidence that does not exist (or a milestone never disputed, for a reply to a
dispute) is a 404; nothing is written either way.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from commitments.models import Evidence, Milestone
from commitments.permissions import membership_for, memberships_of
from commitments.selectors import dispute_to_act_on


def _milestone_queryset():
    return Milestone.objects.select_related("commitment__action_plan__state")


def require(permission, *, on="milestone"):
    """View decorator: resolves the milestone (or evidence) in the URL and the membership.

    The view receives them as keyword arguments `milestone` (and `evidence`, or with
    on="dispute" the dispute it acts on) and `membership`.
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
            dispute = None
            if on == "dispute":
                dispute = dispute_to_act_on(milestone)
                if dispute is None:
                    raise Http404
            membership = membership_for(
                request.user, permission, milestone, evidence=evidence, dispute=dispute
            )
            if membership is None:
                raise PermissionDenied
            kwargs.update(milestone=milestone, membership=membership)
            if evidence is not None:
                kwargs["evidence"] = evidence
            if dispute is not None:
                kwargs["dispute"] = dispute
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
