"""Reads: who hears about a milestone, and what the Atom feeds list."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q

from commitments import permissions
from commitments.models import DisputeMessage, Evidence, Reschedule, StatusUpdate, Transition
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
        orgs = permissions.answering_organisation_ids(commitment)
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


def members_of_disputing_organisation(*, dispute, exclude_user_id=None):
    """Active users with an email who speak for the organisation that opened `dispute`: its
    civil-society members in the milestone's state."""
    users = (
        get_user_model()
        .objects.filter(
            memberships__state_id=dispute.milestone.commitment.action_plan.state_id,
            memberships__role=Membership.Role.CSO,
            memberships__organisation_id=dispute.organisation_id,
            is_active=True,
            alerts_opt_out=None,
        )
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
    kind: str  # "light", "reschedule", "dispute", "evidence" or "status"
    at: datetime
    guid: str
    obj: object
    # A light change: whether it is its milestone's latest (its light now), so the feed can
    # say why it is that light. A move of the due date: the light change it caused, if any.
    latest: bool = False
    transition: object = None


def _is_reschedule(update):
    """A status-history row written by a move of the due date, not by a status report."""
    return (
        update.old_due_on != update.new_due_on
        and update.old_status == update.new_status
        and update.old_progress == update.new_progress
    )


def feed_entries(*, state=None, commitment=None, limit=FEED_LENGTH):
    """The latest light changes, moves of due dates, steps of dispute threads, evidence and
    status updates of a state or a commitment.

    A light change a move of the due date caused is told with the move ("fecha
    reprogramada del … al …"), not as a light change of its own.
    """
    if commitment is not None:
        where = {"milestone__commitment": commitment}
    else:
        where = {"milestone__commitment__action_plan__state": state}
    related = "milestone__commitment__action_plan__state"
    transitions = list(
        Transition.objects.filter(**where)
        .select_related(related)
        .order_by("-happened_at", "-id")[:limit]
    )
    moves = list(
        Reschedule.objects.filter(**where)
        .select_related(related, "organisation")
        .order_by("-created_at", "-id")[:limit]
    )
    # Each move's light change: recorded at the moment of the move, with its cause. Of the
    # moves' milestones only: a revised plan moves many at one moment, more than are read.
    caused = {
        (t.milestone_id, t.recorded_at): t
        for t in Transition.objects.filter(
            **where,
            cause=Transition.Cause.RESCHEDULE,
            milestone_id__in={r.milestone_id for r in moves},
            recorded_at__in={r.created_at for r in moves},
        )
    }
    thread = DisputeMessage.objects.filter(
        **{f"dispute__{k}": v for k, v in where.items()}
    ).select_related("dispute__" + related, "organisation")
    evidence = Evidence.objects.filter(**where, retracted_at=None).select_related(
        related, "organisation"
    )
    updates = StatusUpdate.objects.filter(**where).select_related(related, "organisation")
    seen = set()
    entries = []
    for t in transitions:  # newest first
        latest = t.milestone_id not in seen
        seen.add(t.milestone_id)
        if t.cause != Transition.Cause.RESCHEDULE:
            entries.append(
                FeedEntry("light", t.happened_at, f"transition-{t.pk}", t, latest=latest)
            )
    entries += [
        FeedEntry(
            "reschedule",
            r.created_at,
            f"reschedule-{r.pk}",
            r,
            transition=caused.get((r.milestone_id, r.created_at)),
        )
        for r in moves
    ]
    for message in thread.order_by("-created_at", "-id")[:limit]:
        message.milestone = message.dispute.milestone
        entries.append(FeedEntry("dispute", message.created_at, f"dispute-{message.pk}", message))
    entries += [
        FeedEntry("evidence", e.submitted_at, f"evidence-{e.pk}", e)
        for e in evidence.order_by("-submitted_at", "-id")[:limit]
    ]
    entries += [
        FeedEntry("status", u.created_at, f"status-{u.pk}", u)
        for u in updates.order_by("-created_at", "-id")[:limit]
        if not _is_reschedule(u)
    ]
    entries.sort(key=lambda e: (e.at, e.guid), reverse=True)
    return entries[:limit]
