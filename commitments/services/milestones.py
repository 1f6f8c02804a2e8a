"""Changes to the plan itself: milestones created, rescheduled or edited, a state's threshold.

The importer, the admin and the demo loader all come through here, so a moved due date keeps
the first one and leaves a history row whoever moves it, and every light is right at commit.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from states.models import State

from ..cache import invalidate_public_pages
from ..models import HistoryEntry, Milestone, StatusUpdate, Transition
from .light import assess_new, reassess, refresh_light

# What an edit may change besides the due date (which `reschedule_milestone` moves), and
# which of those the rules read.
EDITABLE_FIELDS = ("number", "title", "deliverable", "starts_on")
RULE_INPUTS = {"starts_on"}


def create_milestone(*, commitment, now, **fields):
    """A new milestone, its light assessed at `now` in the transaction that creates it."""
    return save_new_milestone(Milestone(commitment=commitment, **fields), now=now)


def save_new_milestone(milestone, *, now):
    """Inserts a milestone built elsewhere (an admin form), with its light assessed at `now`."""
    assess_new(milestone, now=now)
    with transaction.atomic():
        milestone.full_clean(validate_unique=False)
        milestone.save()
        invalidate_public_pages()
    return milestone


def revise_milestone(*, milestone, changes, now, actor=None, organisation=None):
    """Applies a revision of the plan to a milestone: a new due date and other plan fields.

    The due date moves through `reschedule_milestone` (first due date kept, history row), the
    rest through `edit_milestone`, in the order that never puts the due date before the
    planned start on the way. Returns whether anything changed.
    """
    changes = dict(changes)
    due_on = changes.pop("due_on", milestone.due_on)
    current = {name: getattr(milestone, name) for name in changes}
    edited = any(current[name] != value for name, value in changes.items())
    moved = due_on != milestone.due_on
    with transaction.atomic():
        if moved and due_on > milestone.due_on:
            reschedule_milestone(milestone=milestone, due_on=due_on, now=now, actor=actor,
                                 organisation=organisation)  # fmt: skip
        if edited:
            edit_milestone(
                milestone=milestone, changes=changes, now=now, actor=actor,
                organisation=organisation,
            )  # fmt: skip
        if moved and due_on < milestone.due_on:
            reschedule_milestone(milestone=milestone, due_on=due_on, now=now, actor=actor,
                                 organisation=organisation)  # fmt: skip
    return moved or edited


def _lock(milestone):
    return (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("commitment__action_plan__state")
        .get(pk=milestone.pk)
    )


def reschedule_milestone(*, milestone, due_on, now, actor=None, organisation=None, note=""):
    """Moves a milestone's due date: the first due date is kept, and the move is history.

    The status history gets a row from the old date to the new one (shown on the public page
    as a revision of the plan); when a person moved it, their history entry names them.
    """
    with transaction.atomic():
        locked = _lock(milestone)
        old_due = locked.due_on
        if due_on == old_due:
            return locked
        if locked.original_due_on is None:
            locked.original_due_on = old_due
        locked.due_on = due_on
        locked.full_clean(exclude=["commitment"], validate_unique=False)
        locked.save(update_fields=["due_on", "original_due_on"])
        note = note or _("Due date changed by an updated action plan.")
        update = StatusUpdate.objects.create(
            milestone=locked,
            old_status=locked.status,
            new_status=locked.status,
            old_progress=locked.progress,
            new_progress=locked.progress,
            old_due_on=old_due,
            new_due_on=due_on,
            note=note,
            author=actor,
            organisation=organisation,
            created_at=now,
        )
        if actor is not None:
            HistoryEntry.objects.create(
                milestone=locked,
                action=HistoryEntry.Action.RESCHEDULED,
                summary=note,
                author=actor,
                organisation=organisation,
                created_at=now,
                milestone_version=locked.version,
                status_update=update,
            )
        refresh_light(locked, now=now, cause=Transition.Cause.PLAN_CHANGE, actor=actor)
    milestone.refresh_from_db()
    return locked


def edit_milestone(*, milestone, changes, now, actor=None, organisation=None, note=""):
    """Edits a milestone's plan fields (title, deliverable, order, planned start).

    A changed planned start re-assesses the light (the quiet clock starts there); a person's
    edit is a history entry naming them. The due date goes through `reschedule_milestone`.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock(milestone)
        changed = [name for name, value in changes.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, changes[name])
        locked.full_clean(exclude=["commitment"], validate_unique=False)
        locked.save(update_fields=changed)
        if actor is not None:
            labels = ", ".join(str(Milestone._meta.get_field(n).verbose_name) for n in changed)
            HistoryEntry.objects.create(
                milestone=locked,
                action=HistoryEntry.Action.EDITED,
                summary=note or labels,
                author=actor,
                organisation=organisation,
                created_at=now,
                milestone_version=locked.version,
            )
        if RULE_INPUTS & set(changed):
            refresh_light(locked, now=now, cause=Transition.Cause.PLAN_CHANGE, actor=actor)
        else:
            invalidate_public_pages()
    milestone.refresh_from_db()
    return locked


def set_stale_threshold(*, state, stale_after_days, now):
    """Changes how long a state's milestones may stay quiet, and re-assesses all of them."""
    with transaction.atomic():
        updated = State.objects.filter(pk=state.pk).exclude(stale_after_days=stale_after_days)
        if not updated.update(stale_after_days=stale_after_days):
            return None
        state.stale_after_days = stale_after_days
        return reassess(
            Milestone.objects.filter(commitment__action_plan__state=state),
            now=now,
            cause=Transition.Cause.RULE_CHANGE,
        )
