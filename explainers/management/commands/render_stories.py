from django.core.management.base import BaseCommand

from explainers import renderings


class Command(BaseCommand):
    help = (
        "Render and store the published stories whose stored rendering is stale or missing "
        "(a change to a fact shown by more stories than are rendered at once leaves the rest "
        "stale until a reader asks). --all renders every published story again, e.g. after "
        "a deploy, so that no reader waits for the first rendering in the new code."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every published story")
        parser.add_argument("--limit", type=int, default=None, help="At most this many")

    def handle(self, *args, **options):
        done = renderings.render_stale(limit=options["limit"], every=options["all"])
        self.stdout.write(self.style.SUCCESS(f"{done} stor{'y' if done == 1 else 'ies'} rendered."))
