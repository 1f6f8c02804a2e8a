"""The public record of moved dates and disputes, from what earlier versions already stored.

When each milestone was added: the earliest moment recorded on it (its first history entry,
status row, evidence or light change, or its last activity), as near as the history tells.

Reschedules: every status-history row that moved a due date. Verification status: the latest
verdict on the milestone's current version. Disputes: an open thread for each milestone
whose current version is disputed. Pure data; lights are re-assessed by the change of
method that goes with this release (commitments.methodology).
"""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    StatusUpdate = apps.get_model("commitments", "StatusUpdate")
    Reschedule = apps.get_model("commitments", "Reschedule")
    HistoryEntry = apps.get_model("commitments", "HistoryEntry")
    Milestone = apps.get_model("commitments", "Milestone")
    Verification = apps.get_model("commitments", "Verification")
    Dispute = apps.get_model("commitments", "Dispute")
    DisputeMessage = apps.get_model("commitments", "DisputeMessage")

    entries = {
        e.status_update_id: e
        for e in HistoryEntry.objects.filter(action="rescheduled", status_update__isnull=False)
    }
    moves = StatusUpdate.objects.exclude(old_due_on=None).exclude(new_due_on=None).order_by("id")
    for update in moves.iterator():
        if update.old_due_on == update.new_due_on:
            continue
        moved_on = timezone.localdate(update.created_at)
        Reschedule.objects.create(
            milestone_id=update.milestone_id,
            old_due_on=update.old_due_on,
            new_due_on=update.new_due_on,
            old_precision="day",
            new_precision="day",
            after_due=update.old_due_on < moved_on,
            note=update.note,
            author_id=update.author_id,
            organisation_id=update.organisation_id,
            created_at=update.created_at,
            history_entry=entries.get(update.id),
        )

    Evidence = apps.get_model("commitments", "Evidence")
    Transition = apps.get_model("commitments", "Transition")
    for milestone in Milestone.objects.filter(created_at=None).iterator():
        firsts = [milestone.last_activity_at]
        for model, field in [
            (HistoryEntry, "created_at"),
            (StatusUpdate, "created_at"),
            (Evidence, "submitted_at"),
            (Transition, "recorded_at"),
        ]:
            first = (
                model.objects.filter(milestone=milestone)
                .order_by(field)
                .values_list(field, flat=True)
                .first()
            )
            if first is not None:
                firsts.append(first)
        Milestone.objects.filter(pk=milestone.pk).update(created_at=min(firsts))

    for milestone in Milestone.objects.iterator():
        latest = (
            Verification.objects.filter(milestone=milestone, milestone_version=milestone.version)
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is None:
            continue
        Milestone.objects.filter(pk=milestone.pk).update(verification_status=latest.result)
        if latest.result == "disputed":
            dispute = Dispute.objects.create(
                milestone=milestone,
                verification=latest,
                milestone_version=latest.milestone_version,
                organisation_id=latest.organisation_id,
                state="open",
                opened_at=latest.created_at,
            )
            entry = HistoryEntry.objects.filter(verification=latest).first()
            DisputeMessage.objects.create(
                dispute=dispute,
                kind="reason",
                text=latest.reason,
                author_id=latest.author_id,
                organisation_id=latest.organisation_id,
                created_at=latest.created_at,
                history_entry=entry,
            )


class Migration(migrations.Migration):
    dependencies = [("commitments", "0006_reasons_reschedules_disputes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
