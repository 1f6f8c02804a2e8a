from django.core.management.base import BaseCommand
from django.utils import timezone

from commitments import services
from commitments.models import Transition


class Command(BaseCommand):
    help = (
        "Re-assesses the milestones whose traffic light may have changed (overdue, stale, at "
        "risk), once and synchronously, and prints what changed. The Celery beat runs the "
        "same job every 15 minutes."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        result = services.flag_stale_milestones(now=now)
        transitions = (
            Transition.objects.filter(recorded_at=now, cause=Transition.Cause.CLOCK)
            .select_related("milestone__commitment")
            .order_by("milestone__commitment__ogp_id", "milestone__number", "happened_at")
        )
        for t in transitions:
            when = timezone.localtime(t.happened_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{t.milestone}: {t.old_signal} -> {t.new_signal} since {when}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {result.checked} milestones; "
                f"{sum(result.changed.values())} traffic-light changes."
            )
        )
