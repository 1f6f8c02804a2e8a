from django.core.management.base import BaseCommand
from django.utils import timezone

from commitments import services
from commitments.management.options import add_now_argument


class Command(BaseCommand):
    help = (
        "Stores today's figures of every active state and every lead institution (red, "
        "yellow, green, overdue, completed, their shares and rank) for the ranking over time. "
        "Append-only: a day already stored is left as it is. The Celery beat runs it every "
        "day at 04:15, Mexico City time."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, now=None, **options):
        now = now or timezone.now()
        inserted = services.take_ranking_snapshots(now=now)
        day = timezone.localdate(now).isoformat()
        if inserted:
            self.stdout.write(self.style.SUCCESS(f"{day}: stored {inserted} rows."))
        else:
            self.stdout.write(f"{day}: already stored; nothing changed.")
