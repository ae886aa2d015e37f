from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from explainers.seeding import DEFAULT_FILE, SeedError, load_stories


class Command(BaseCommand):
    help = "Load stories and their fact blocks from a TOML file (the two demo stories by default)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_FILE)

    def handle(self, *args, path, **options):
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        try:
            report = load_stories(path)
        except SeedError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Stories loaded from {path.name}: {report}"))
