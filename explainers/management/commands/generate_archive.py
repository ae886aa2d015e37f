from django.core.management.base import BaseCommand, CommandError

from explainers.archive import generate_archive


class Command(BaseCommand):
    help = "Create N published explainers with sections and shared fact blocks (load tests)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument(
            "--fact-pool", type=int, default=200, help="shared fact blocks of each kind"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes writing at once on PostgreSQL (default: one per core)",
        )

    def handle(self, *args, count, fact_pool, workers, **options):
        if count < 1 or fact_pool < 1 or (workers is not None and workers < 1):
            raise CommandError("count, --fact-pool and --workers must be at least 1.")
        report = generate_archive(count, fact_pool=fact_pool, workers=workers)
        self.stdout.write(
            f"Generated {report.explainers} explainers in {report.seconds:.1f} s "
            f"({report.per_second:,.0f} a second)."
        )
