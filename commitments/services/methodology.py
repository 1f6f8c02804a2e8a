"""Bringing the stored lights up to the current method (commitments.methodology)."""

from django.db import transaction
from django.db.models import F, Max, Q

from states.models import Organisation

from .. import methodology
from ..cache import invalidate_public_pages
from ..models import (
    AppliedMethodology,
    Evidence,
    HistoryEntry,
    Milestone,
    StatusUpdate,
    Transition,
)
from .light import reassess

GOVERNMENT = Organisation.Kind.GOVERNMENT


def applied_version():
    return AppliedMethodology.objects.aggregate(v=Max("version"))["v"] or 0


def recompute_government_activity():
    """Method 2: the activity clock counts only the government side's work.

    Each milestone's clock restarts from its latest status report by a government
    organisation that changed the status or the progress, or its latest evidence added by
    one. A milestone with neither runs from when it was added, never from a civil-society
    organisation's action.
    """
    reports = (
        StatusUpdate.objects.filter(organisation__kind=GOVERNMENT)
        .filter(~Q(old_status=F("new_status")) | ~Q(old_progress=F("new_progress")))
        .values("milestone_id")
        .annotate(at=Max("created_at"))
    )
    evidence = (
        Evidence.objects.filter(organisation__kind=GOVERNMENT)
        .values("milestone_id")
        .annotate(at=Max("submitted_at"))
    )
    latest = {}
    for row in [*reports, *evidence]:
        latest[row["milestone_id"]] = max(row["at"], latest.get(row["milestone_id"], row["at"]))
    non_government = set(
        HistoryEntry.objects.exclude(organisation__kind=GOVERNMENT).values_list(
            "milestone_id", flat=True
        )
    )
    changed = []
    for milestone in Milestone.objects.filter(pk__in=set(latest) | non_government).only(
        "pk", "last_activity_at", "created_at"
    ):
        # No government activity: the clock runs from when the milestone was added.
        at = latest.get(milestone.pk) or milestone.created_at or milestone.last_activity_at
        if at != milestone.last_activity_at:
            milestone.last_activity_at = at
            changed.append(milestone)
    Milestone.objects.bulk_update(changed, ["last_activity_at"], batch_size=1000)


MIGRATIONS = {"recompute_government_activity": recompute_government_activity}


def apply_methodology(*, now):
    """Applies every change of method not applied yet; returns how many lights it changed,
    or None when the stored lights already follow the current method."""
    with transaction.atomic():
        # One run at a time: the lock of the newest applied row (or of nothing, first time).
        list(AppliedMethodology.objects.select_for_update())
        current = applied_version()
        if current >= methodology.VERSION:
            return None
        pending = [c for c in methodology.CHANGES if c.version > current]
        for change in pending:
            if change.migrate:
                MIGRATIONS[change.migrate]()
        result = reassess(Milestone.objects.all(), now=now, cause=Transition.Cause.METHODOLOGY)
        changed = sum(result.changed.values())
        # Not news: nobody is told of a light a change of method flipped.
        Transition.objects.filter(cause=Transition.Cause.METHODOLOGY, notified_at=None).update(
            notified_at=now
        )
        for change in pending:
            AppliedMethodology.objects.create(
                version=change.version, applied_at=now, changed=changed
            )
        invalidate_public_pages()
    return changed


def mark_current(*, now):
    """Records that freshly assessed data (a new database, the demo) follows the current method."""
    if applied_version() < methodology.VERSION:
        AppliedMethodology.objects.bulk_create(
            AppliedMethodology(version=c.version, applied_at=now)
            for c in methodology.CHANGES
            if c.version > applied_version()
        )
