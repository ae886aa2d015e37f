from django.core.management.base import BaseCommand

from explainers.publishing import record_due_transitions


class Command(BaseCommand):
    help = (
        "For cron: record in the audit trail each scheduled explainer whose time has come. "
        "Readers see scheduled stories on time without it; this only keeps the record."
    )

    def handle(self, *args, **options):
        due = record_due_transitions()
        for story in due:
            self.stdout.write(f"Went live: {story.title}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(due)} scheduled explainer(s) recorded as live.")
        )
