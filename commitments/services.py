"""Writes. Every change to milestones, their evidence and their traffic light goes through here."""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from . import rules
from .cache import bump_public_version
from .models import Milestone, Transition


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _transitions_for(milestone, assessment, *, now, cause, actor=None):
    """The light changes a fresh assessment implies, each at the moment it really happened.

    A milestone that the job last saw green and that has since passed both its yellow and its
    red onsets gets two rows, green to yellow then yellow to red, so the public record says
    when each happened.
    """
    old, new = milestone.signal, assessment.signal
    if old == new:
        return []
    # A person's action changes the light when it happens; the clock, at the computed onset.
    steps = [(old, new, assessment.since if cause == Transition.Cause.CLOCK else now)]
    if cause == Transition.Cause.CLOCK and old == rules.GREEN and new == rules.RED:
        yellow = rules.assess(
            status=milestone.status,
            starts_on=milestone.starts_on,
            due_on=milestone.due_on,
            last_activity_at=milestone.last_activity_at,
            stale_after_days=milestone.stale_after_days,
            now=assessment.since - rules.EPSILON,
        )
        if yellow.signal == rules.YELLOW:
            steps = [(old, rules.YELLOW, yellow.since), (rules.YELLOW, new, assessment.since)]
    return [
        Transition(
            milestone_id=milestone.pk,
            old_signal=a,
            new_signal=b,
            happened_at=at,
            recorded_at=now,
            cause=cause,
            actor=actor,
        )
        for a, b, at in steps
    ]


@dataclass
class FlagResult:
    checked: int = 0
    changed: Counter = field(default_factory=Counter)
    transitions: list = field(default_factory=list)
    batches: int = 0


def flag_stale_milestones(*, now, batch_size=1000, keep_transitions=True):
    """Re-assess every milestone whose next check is due, in batches, and record light changes.

    Each batch locks its rows with SKIP LOCKED, so concurrent runs share the work and never
    assess the same milestone twice; each row's next check moves past `now`, so a second run
    finds nothing to do.
    """
    result = FlagResult()
    while True:
        with transaction.atomic():
            batch = list(
                Milestone.objects.filter(next_check_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .annotate(stale_after_days=F("commitment__action_plan__state__stale_after_days"))
                .only(
                    "id",
                    "status",
                    "starts_on",
                    "due_on",
                    "last_activity_at",
                    "signal",
                    "signal_since",
                    "next_check_at",
                )
                .order_by("next_check_at", "id")[:batch_size]
            )
            if not batch:
                if result.changed:
                    bump_public_version()
                return result
            transitions = []
            for milestone in batch:
                assessment = rules.assess_milestone(
                    milestone, stale_after_days=milestone.stale_after_days, now=now
                )
                transitions += _transitions_for(
                    milestone, assessment, now=now, cause=Transition.Cause.CLOCK
                )
                if assessment.signal != milestone.signal:
                    result.changed[(milestone.signal, assessment.signal)] += 1
                    milestone.signal = assessment.signal
                    milestone.signal_since = assessment.since
                milestone.next_check_at = assessment.next_check_at
            Milestone.objects.bulk_update(batch, ["signal", "signal_since", "next_check_at"])
            Transition.objects.bulk_create(transitions)
            result.checked += len(batch)
            result.batches += 1
            if keep_transitions:
                result.transitions += transitions


def refresh_signal(milestone, *, now, cause, actor=None):
    """Re-assess one milestone after an action changed it; call inside the action's transaction.

    The new light takes effect at once and its transition is written in the same transaction,
    marked with the person who caused it so they are not notified of their own action.
    """
    stale_after_days = milestone.commitment.action_plan.state.stale_after_days
    milestone.stale_after_days = stale_after_days
    assessment = rules.assess_milestone(milestone, stale_after_days=stale_after_days, now=now)
    transitions = _transitions_for(milestone, assessment, now=now, cause=cause, actor=actor)
    if assessment.signal != milestone.signal:
        milestone.signal = assessment.signal
        milestone.signal_since = now
    milestone.next_check_at = assessment.next_check_at
    Milestone.objects.filter(pk=milestone.pk).update(
        signal=milestone.signal,
        signal_since=milestone.signal_since,
        next_check_at=milestone.next_check_at,
    )
    Transition.objects.bulk_create(transitions)
    bump_public_version()
    return transitions
