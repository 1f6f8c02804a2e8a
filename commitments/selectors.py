"""Reads for the public pages: each returns what one page needs in a fixed number of queries."""

import datetime as dt

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from states.models import State

from . import permissions, rules
from .models import (
    ActionPlan,
    Commitment,
    Evidence,
    HistoryEntry,
    Milestone,
    StatusUpdate,
    Verification,
)


def _milestone_counts(prefix, today):
    completed = Q(**{f"{prefix}status": Milestone.Status.COMPLETED})
    overdue = Q(**{f"{prefix}due_on__lt": today}) & ~completed
    return {
        "milestone_count": Count(f"{prefix}id", distinct=True),
        "completed_count": Count(f"{prefix}id", filter=completed, distinct=True),
        "overdue_count": Count(f"{prefix}id", filter=overdue, distinct=True),
    }


def states_overview(*, today):
    """Active states with their commitment and milestone counts, for the home page."""
    prefix = "action_plans__commitments__milestones__"
    return (
        State.objects.active()
        .annotate(
            commitment_count=Count("action_plans__commitments", distinct=True),
            **_milestone_counts(prefix, today),
        )
        .order_by("name")
    )


def state_commitments(*, state, today):
    """A state's commitments with milestone counts, grouped by the template by action plan."""
    return (
        Commitment.objects.filter(action_plan__state=state)
        .select_related("action_plan", "lead_institution")
        .annotate(**_milestone_counts("milestones__", today))
        .order_by("-action_plan__starts_on", "number")
    )


def state_action_plans(*, state):
    return ActionPlan.objects.filter(state=state).order_by("-starts_on")


def commitment_detail(*, ogp_id):
    """One commitment with its milestones, their evidence and history, prefetched."""
    evidence = Evidence.objects.select_related("organisation", "submitted_by").order_by(
        "submitted_at"
    )
    history = StatusUpdate.objects.select_related("organisation", "author").order_by("created_at")
    verifications = Verification.objects.select_related("organisation").order_by(
        "-created_at", "-id"
    )
    milestones = Milestone.objects.order_by("number").prefetch_related(
        Prefetch("evidence", queryset=evidence),
        Prefetch("status_updates", queryset=history),
        # Newest first: the public page shows the latest beside the government's status.
        Prefetch("verifications", queryset=verifications),
        Prefetch(
            "history",
            queryset=HistoryEntry.objects.select_related("organisation").order_by(
                "created_at", "id"
            ),
        ),
    )
    return (
        Commitment.objects.select_related("action_plan__state", "lead_institution")
        .prefetch_related("supporting_institutions", Prefetch("milestones", queryset=milestones))
        .get(ogp_id=ogp_id)
    )


# Contributor panel.


def _with_latest_verification(queryset):
    latest = Verification.objects.filter(milestone=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.annotate(
        verification_result=Subquery(latest.values("result")[:1]),
        verification_version=Subquery(latest.values("milestone_version")[:1]),
    )


def attention_of(milestone, *, now):
    """Why a milestone needs a contributor's attention: a list of reason codes, maybe empty."""
    reasons = []
    today = timezone.localdate(now)
    if milestone.status != Milestone.Status.COMPLETED:
        assessment = rules.assess_milestone(
            milestone, stale_after_days=milestone.stale_after_days, now=now
        )
        if assessment.overdue:
            reasons.append("overdue")
        elif milestone.due_on <= today + dt.timedelta(days=rules.DUE_SOON_DAYS):
            reasons.append("due_soon")
        if assessment.stale:
            reasons.append("quiet")
    judged_now = milestone.verification_version == milestone.version
    if milestone.verification_result == Verification.Result.DISPUTED and judged_now:
        reasons.append("disputed")
    elif milestone.status != Milestone.Status.NOT_STARTED and not judged_now:
        reasons.append("awaiting_verification")
    return reasons


ATTENTION_ORDER = ["overdue", "due_soon", "quiet", "awaiting_verification", "disputed"]


def dashboard(*, user, now):
    """The milestones of the user's states that need attention, grouped by reason.

    A milestone appears under each reason that applies to it. Plans that ended long ago are
    included: an overdue milestone of a finished plan is still overdue.
    """
    milestones = _with_latest_verification(
        permissions.visible_milestones(user)
        .select_related("commitment__action_plan__state")
        .annotate(stale_after_days=F("commitment__action_plan__state__stale_after_days"))
        .order_by("due_on", "commitment__ogp_id", "number")
    )
    groups = {reason: [] for reason in ATTENTION_ORDER}
    for milestone in milestones:
        for reason in attention_of(milestone, now=now):
            groups[reason].append(milestone)
    return groups


def panel_milestone(*, pk):
    """One milestone for its contributor page: evidence, history and latest verification."""
    evidence = Evidence.objects.select_related("organisation", "submitted_by").order_by(
        "submitted_at", "id"
    )
    history = HistoryEntry.objects.select_related("author", "organisation", "status_update")
    return (
        _with_latest_verification(Milestone.objects.all())
        .select_related("commitment__action_plan__state", "commitment__lead_institution")
        .prefetch_related(
            Prefetch("evidence", queryset=evidence),
            Prefetch("history", queryset=history.order_by("created_at", "id")),
        )
        .get(pk=pk)
    )


def latest_verification(milestone):
    """The latest verification of the milestone, or None; it may judge an older version."""
    return (
        Verification.objects.filter(milestone=milestone)
        .select_related("organisation")
        .order_by("-created_at", "-id")
        .first()
    )
