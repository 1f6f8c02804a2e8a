from django.core.management.base import BaseCommand
from django.utils import timezone

from commitments import methodology, services
from commitments.management.options import add_now_argument


class Command(BaseCommand):
    help = (
        "Brings every stored light up to the current version of the method (run after "
        "migrate at deploy; the stale job also does it if it was not). Lights it flips are "
        "recorded with the cause 'methodology' and never notified."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)

    def handle(self, *args, now=None, **options):
        changed = services.apply_methodology(now=now or timezone.now())
        if changed is None:
            self.stdout.write(f"The lights already follow method {methodology.VERSION}.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Method {methodology.VERSION} applied: {changed} traffic-light changes."
                )
            )
