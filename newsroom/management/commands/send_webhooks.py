from django.core.management.base import BaseCommand

from newsroom import webhooks


class Command(BaseCommand):
    help = (
        "Queue the webhook deliveries that are due and have no task waiting (a worker that "
        "stopped mid-attempt, or NEWSROOM_TASKS=immediate, which cannot wait). For cron, every "
        "minute; the worker (manage.py db_worker) sends them."
    )

    def handle(self, *args, **options):
        count = webhooks.send_due()
        self.stdout.write(f"{count} due deliveries queued.")
