import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from commitments import services
from commitments.management.options import add_now_argument


def _show(value):
    if hasattr(value, "isoformat"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return "—" if value is None else str(value)


class Command(BaseCommand):
    help = (
        "Recomputes every milestone's stored light, its onset, its next check and its reason "
        "from the rules and compares them with what is stored, printing each difference; "
        "exit status 1 if there is any. --fix repairs them: the clock first assesses what it "
        "has due, then every remaining difference is written as the rules say, each light it "
        "changes recorded as a transition with the cause 'audit' (never notified, listed on "
        "/correcciones/), and the exit status is 0 once all are repaired. The beat runs it "
        "every night with --fix."
    )

    def add_arguments(self, parser):
        add_now_argument(parser)
        parser.add_argument("--fix", action="store_true", help="Repair every difference found.")

    def handle(self, *args, now=None, fix=False, **options):
        result = services.audit_lights(now=now or timezone.now(), fix=fix)
        for difference in result.differences:
            for name, (stored, expected) in difference.fields.items():
                self.stdout.write(
                    f"{difference.label} (id {difference.milestone_id}): {name} "
                    f"stored {_show(stored)}, the rules give {_show(expected)}"
                )
        found = len(result.differences)
        if not found:
            self.stdout.write(
                self.style.SUCCESS(f"Checked {result.checked} milestones: every light is right.")
            )
            return
        if fix:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Checked {result.checked} milestones: repaired {result.repaired} of "
                    f"{found} with a difference."
                )
            )
            if result.clean:
                return
        else:
            self.stdout.write(
                self.style.ERROR(
                    f"Checked {result.checked} milestones: {found} differ from the rules "
                    "(run with --fix to repair them)."
                )
            )
        sys.exit(1)
