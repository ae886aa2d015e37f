import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "editor"
# The demo account can walk through the whole workflow: write, check facts, publish, correct.
DEMO_ROLES = ["Editor", "Fact-checker"]


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo editor account for a local run and print its login. "
        "Refuses to run unless DEBUG is on: it never belongs in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEMO_USERNAME)
        parser.add_argument("--password", help="Default: a new random password each run")
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args, username, password, url, **options):
        if not settings.DEBUG:
            raise CommandError("The demo editor is for local runs only: set DJANGO_DEBUG=1.")
        password = password or secrets.token_urlsafe(9)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": "Demo", "last_name": "Editor"}
        )
        user.is_staff = True
        user.is_superuser = False
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=DEMO_ROLES))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo editor {'created' if created else 'reset'}. "
                f"Log in at {url.rstrip('/')}/admin/ with user: {username}  password: {password}"
            )
        )
