from django.core.management.base import BaseCommand

from explainers.archive import generate_archive


class Command(BaseCommand):
    help = "Create N published explainers with sections and shared fact blocks (load tests)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--fact-pool", type=int, default=200, help="shared fact blocks of each kind")

    def handle(self, *args, count, fact_pool, **options):
        report = generate_archive(count, fact_pool=fact_pool)
        self.stdout.write(
            f"Generated {report.explainers} explainers in {report.seconds:.1f} s "
            f"({report.per_second:,.0f} a second)."
        )
