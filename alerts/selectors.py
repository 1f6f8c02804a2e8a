"""Reads: who hears about a milestone, and what the Atom feeds list."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q

from commitments.models import Evidence, StatusUpdate, Transition
from states.models import Membership

from .models import Follow

FEED_LENGTH = 50


def users_to_alert(*, milestone, roles, exclude_user_id=None):
    """Active users with an email who should hear about `milestone`, by role.

    CSO members hear about every milestone of their state; officials only about those of
    commitments their organisation leads or supports ("one of theirs").
    """
    commitment = milestone.commitment
    state_id = commitment.action_plan.state_id
    who = Q()
    if Membership.Role.CSO in roles:
        who |= Q(memberships__state_id=state_id, memberships__role=Membership.Role.CSO)
    if Membership.Role.OFFICIAL in roles:
        orgs = [
            commitment.lead_institution_id,
            *commitment.supporting_institutions.values_list("id", flat=True),
        ]
        who |= Q(
            memberships__state_id=state_id,
            memberships__role=Membership.Role.OFFICIAL,
            memberships__organisation_id__in=orgs,
        )
    users = (
        get_user_model()
        .objects.filter(who, is_active=True, alerts_opt_out=None)
        .exclude(email="")
        .distinct()
    )
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return users


def follows_to_alert(*, milestone, turned_red, exclude_email=None):
    """Confirmed follows that hear about a light change: the commitment's followers always,
    the state's followers when a milestone turns red."""
    commitment = milestone.commitment
    subject = Q(commitment_id=commitment.pk)
    if turned_red:
        subject |= Q(state_id=commitment.action_plan.state_id)
    follows = Follow.objects.filter(subject, confirmed_at__isnull=False, unsubscribed_at=None)
    if exclude_email:
        follows = follows.exclude(email__iexact=exclude_email)
    return follows


@dataclass(frozen=True)
class FeedEntry:
    kind: str  # "light", "evidence" or "status"
    at: datetime
    guid: str
    obj: object


def feed_entries(*, state=None, commitment=None, limit=FEED_LENGTH):
    """The latest light changes, evidence and status updates of a state or a commitment."""
    if commitment is not None:
        where = {"milestone__commitment": commitment}
    else:
        where = {"milestone__commitment__action_plan__state": state}
    related = "milestone__commitment__action_plan__state"
    transitions = Transition.objects.filter(**where).select_related(related)
    evidence = Evidence.objects.filter(**where, retracted_at=None).select_related(
        related, "organisation"
    )
    updates = StatusUpdate.objects.filter(**where).select_related(related, "organisation")
    entries = [
        FeedEntry("light", t.happened_at, f"transition-{t.pk}", t)
        for t in transitions.order_by("-happened_at", "-id")[:limit]
    ]
    entries += [
        FeedEntry("evidence", e.submitted_at, f"evidence-{e.pk}", e)
        for e in evidence.order_by("-submitted_at", "-id")[:limit]
    ]
    entries += [
        FeedEntry("status", u.created_at, f"status-{u.pk}", u)
        for u in updates.order_by("-created_at", "-id")[:limit]
    ]
    entries.sort(key=lambda e: (e.at, e.guid), reverse=True)
    return entries[:limit]
