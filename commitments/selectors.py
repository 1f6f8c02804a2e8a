"""Reads for the public pages: each returns what one page needs in a fixed number of queries."""

from django.db.models import Count, Prefetch, Q

from states.models import State

from .models import ActionPlan, Commitment, Evidence, Milestone, StatusUpdate


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
    milestones = Milestone.objects.order_by("number").prefetch_related(
        Prefetch("evidence", queryset=evidence),
        Prefetch("status_updates", queryset=history),
    )
    return (
        Commitment.objects.select_related("action_plan__state", "lead_institution")
        .prefetch_related("supporting_institutions", Prefetch("milestones", queryset=milestones))
        .get(ogp_id=ogp_id)
    )
