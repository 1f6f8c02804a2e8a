"""Changes to the plan itself: milestones created, rescheduled or edited, a state's threshold.

The importer, the admin and the demo loader all come through here, so a moved due date keeps
the first one and leaves a history row whoever moves it, and every light is right at commit.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ops import outbox
from states.models import State

from .. import rules
from ..cache import invalidate_commitment_pages
from ..models import HistoryEntry, Milestone, Reschedule, StatusUpdate, Transition
from .light import assess_new, reassess, refresh_light

# What an edit may change besides the due date (which `reschedule_milestone` moves), and
# which of those the rules read.
EDITABLE_FIELDS = ("number", "title", "deliverable", "starts_on")
RULE_INPUTS = {"starts_on"}


def create_milestone(*, commitment, now, **fields):
    """A new milestone, its light assessed at `now` in the transaction that creates it."""
    return save_new_milestone(Milestone(commitment=commitment, **fields), now=now)


def save_new_milestone(milestone, *, now):
    """Inserts a milestone built elsewhere (an admin form), with its light assessed at `now`.

    A date known only to the month falls due on the month's last day, whoever gives it."""
    milestone.due_on = rules.normalise_due(milestone.due_on, milestone.due_precision)
    assess_new(milestone, now=now)
    with transaction.atomic():
        milestone.full_clean(validate_unique=False)
        milestone.save()
        invalidate_commitment_pages(milestone.commitment_id)
    return milestone


def revise_milestone(*, milestone, changes, now, actor=None, organisation=None):
    """Applies a revision of the plan to a milestone: a new due date and other plan fields.

    The due date moves through `reschedule_milestone` (first due date kept, history row), the
    rest through `edit_milestone`, in the order that never puts the due date before the
    planned start on the way. Returns whether anything changed.
    """
    changes = dict(changes)
    precision = changes.pop("due_precision", milestone.due_precision)
    due_on = rules.normalise_due(changes.pop("due_on", milestone.due_on), precision)
    current = {name: getattr(milestone, name) for name in changes}
    edited = any(current[name] != value for name, value in changes.items())
    moved = (due_on, precision) != (milestone.due_on, milestone.due_precision)
    # Later first when the date moves later, so it never falls before the planned start on
    # the way (an undated side never does).
    later = due_on is None or milestone.due_on is None or due_on > milestone.due_on
    move = {
        "milestone": milestone, "due_on": due_on, "precision": precision, "now": now,
        "actor": actor, "organisation": organisation,
    }  # fmt: skip
    with transaction.atomic():
        if moved and later:
            reschedule_milestone(**move)
        if edited:
            edit_milestone(
                milestone=milestone, changes=changes, now=now, actor=actor,
                organisation=organisation,
            )  # fmt: skip
        if moved and not later:
            reschedule_milestone(**move)
    return moved or edited


def _lock(milestone):
    return (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("commitment__action_plan__state")
        .get(pk=milestone.pk)
    )


def reschedule_milestone(
    *, milestone, due_on, now, actor=None, organisation=None, note="", precision=None
):
    """Moves a milestone's due date: the first due date is kept, and the move is recorded.

    Every move is a Reschedule (old and new dates, who, when, and whether it came after the
    old date had passed) and a row of the status history; when a person moved it, a history
    entry names them. Its light change, if any, has the cause "reschedule": its notice says
    the date moved, never only that the light turned.
    """
    with transaction.atomic():
        locked = _lock(milestone)
        precision = precision or locked.due_precision
        due_on = rules.normalise_due(due_on, precision)
        old_due, old_precision = locked.due_on, locked.due_precision
        if (due_on, precision) == (old_due, old_precision):
            return locked
        if locked.original_due_on is None:
            locked.original_due_on = old_due
        locked.due_on = due_on
        locked.due_precision = precision
        locked.full_clean(exclude=["commitment"], validate_unique=False)
        locked.save(update_fields=["due_on", "due_precision", "original_due_on"])
        if not note:
            if actor is None:
                note = _("Due date changed by an updated action plan.")
            elif organisation is None:
                note = _("Due date changed by the site's staff.")
            else:
                note = _("Due date changed by %(organisation)s.") % {"organisation": organisation}
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
        entry = None
        if actor is not None:
            entry = HistoryEntry.objects.create(
                milestone=locked,
                action=HistoryEntry.Action.RESCHEDULED,
                summary=note,
                author=actor,
                organisation=organisation,
                created_at=now,
                milestone_version=locked.version,
                status_update=update,
            )
        reschedule = Reschedule.objects.create(
            milestone=locked,
            old_due_on=old_due,
            new_due_on=due_on,
            old_precision=old_precision,
            new_precision=precision,
            after_due=old_due is not None and old_due < timezone.localdate(now),
            note=note,
            author=actor,
            organisation=organisation,
            created_at=now,
            history_entry=entry,
        )
        refresh_light(locked, now=now, cause=Transition.Cause.RESCHEDULE, actor=actor)
        # The state's civil society hears of every move, light change or not; by name, since
        # alerts depends on commitments and not the reverse.
        outbox.enqueue("alerts.notify_reschedule", reschedule.pk)
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
            invalidate_commitment_pages(locked.commitment_id)
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
