from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commitments.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restores a backup made by `manage.py backup` into the configured database, which "
        "must be empty (createdb), and the configured storage. Every checksum is verified "
        "before anything is written, and every restored file against the manifest and "
        "Evidence.sha256 after. Exits non-zero on any mismatch."
    )
    # The database may be empty: nothing may query it before the restore.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("backup", help="A backup directory, ogptracker-<UTC time>/.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore into a database that is not empty, replacing the backup's objects.",
        )

    def handle(self, *args, backup, force, **options):
        try:
            restore_backup(backup, now=timezone.now(), force=force, log=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS("Restore complete."))
