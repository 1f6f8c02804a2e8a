from django.core.management.base import BaseCommand, CommandError

from commitments import plan_file
from commitments.models import ActionPlan
from states.models import State


class Command(BaseCommand):
    help = (
        "Writes an action plan as the importer's own CSV file: every field import_plan reads "
        "(plan, members, commitments, IRM assessment, lead and supporting institutions, "
        "milestones with their first due dates, sources). Importing it back changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file to write ('-' for standard output).")
        parser.add_argument("--state", required=True, help="The state's slug, e.g. nuevo-leon.")
        parser.add_argument("--plan", required=True, type=int, help="The plan's number.")

    def handle(self, *args, file, state, plan, **options):
        found = State.objects.filter(slug=state).first()
        if found is None:
            raise CommandError(f"No state with the slug {state!r}.")
        try:
            action_plan = plan_file.plan_for(found, plan)
        except ActionPlan.DoesNotExist:
            raise CommandError(f"{found.name} has no action plan number {plan}.") from None
        if file == "-":
            count = plan_file.write(action_plan, self.stdout)
        else:
            with open(file, "w", encoding="utf-8", newline="") as out:
                count = plan_file.write(action_plan, out)
        self.stderr.write(f"Wrote {count} rows of {action_plan} to {file}.")
