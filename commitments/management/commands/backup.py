from django.core.management.base import BaseCommand, CommandError

from commitments.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Backs up the PostgreSQL database (pg_dump --format=custom) and every evidence file, "
        "read through the configured storage, with a manifest of sizes and SHA-256, into a "
        "new directory ogptracker-<UTC time>/ under DESTINATION. Exits non-zero on any "
        "problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="Folder that receives the backup directory.")

    def handle(self, *args, destination, **options):
        try:
            path = create_backup(destination, log=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup complete: {path}"))
