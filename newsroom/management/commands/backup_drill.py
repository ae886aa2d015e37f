from django.core.management.base import BaseCommand, CommandError

from newsroom.backups import BackupError, drill


class Command(BaseCommand):
    help = (
        "Dump the database with pg_dump, restore it into a scratch database with pg_restore, and "
        "check that every published explainer and fact block came back identical."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scratch", help="scratch database name (default: <name>_restore_drill)"
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the scratch database afterwards"
        )

    def handle(self, *args, scratch, keep, **options):
        try:
            report = drill(scratch=scratch, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
        if not report.ok:
            raise CommandError("Restore drill FAILED: " + "; ".join(report.differences))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore drill passed in {report.seconds:.1f} s ({report.dump_bytes / 1_048_576:.1f} MB dump): "
                f"identical {counts}."
            )
        )
