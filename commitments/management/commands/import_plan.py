import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commitments import importer
from states.models import State


class Command(BaseCommand):
    help = (
        "Imports an action plan (commitments with milestones) from a CSV file, in our layout "
        "(docs/ejemplo-plan-de-accion.csv) or OGP's. Nothing is written unless every row is "
        "valid; importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--state", required=True, help="slug of the state, e.g. nuevo-leon")
        parser.add_argument(
            "--create-institutions",
            action="store_true",
            help="Create the institutions the file names and the database lacks (as government "
            "agencies unless its institution_kinds column says otherwise, each marked to be "
            "reviewed), if nothing else in the file is wrong.",
        )

    def handle(self, *args, **options):
        # The command speaks the site's first language (problems are for people to read).
        with translation.override(settings.LANGUAGE_CODE):
            return self.run(**options)

    def run(self, *, file, state, create_institutions=False, **options):
        try:
            state_obj = State.objects.get(slug=state)
        except State.DoesNotExist:
            raise CommandError(_("No state with the slug %(slug)s.") % {"slug": state}) from None
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from None
        bar = _ProgressBar(self.stderr) if data.count(b"\n") > 500 else None
        try:
            report = importer.import_plan(
                data,
                state=state_obj,
                now=timezone.now(),
                progress=bar,
                create_institutions=create_institutions,
            )
        except importer.InvalidFile as invalid:
            for problem in invalid.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(
                _("%(n)s problems found; nothing was written.") % {"n": len(invalid.problems)}
            ) from None
        if bar:
            bar.done()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(rows)s rows read. Commitments: %(cc)s created, %(cu)s updated, "
                    "%(cn)s unchanged. Milestones: %(mc)s created, %(mu)s updated, "
                    "%(mn)s unchanged."
                )
                % {
                    "rows": report.rows,
                    "cc": report.created["commitments"],
                    "cu": report.updated["commitments"],
                    "cn": report.unchanged["commitments"],
                    "mc": report.created["milestones"],
                    "mu": report.updated["milestones"],
                    "mn": report.unchanged["milestones"],
                }
            )
        )
        for line in report.notes():
            self.stdout.write(line)


class _ProgressBar:
    """A one-line bar on stderr, redrawn at each whole percent."""

    def __init__(self, stream, width=30):
        self.stream, self.width, self.shown = stream, width, -1

    def __call__(self, done, total):
        percent = 100 * done // max(total, 1)
        if percent != self.shown:
            self.shown = percent
            filled = self.width * percent // 100
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {percent:3d} % ({done}/{total})", ending="")
            self.stream.flush()

    def done(self):
        self.stream.write("")
        sys.stderr.flush()
