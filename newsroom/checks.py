"""Deployment checks of Newsroom's own settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


@checks.register(checks.Tags.security, deploy=True)
def webhook_settings(app_configs, **kwargs):
    found = []
    if settings.NEWSROOM_WEBHOOK_ALLOW_LOOPBACK:
        found.append(
            checks.Error(
                "NEWSROOM_WEBHOOK_ALLOW_LOOPBACK is on: webhooks could be pointed at this "
                "server's own loopback services.",
                hint="It is for tests and local development only; unset it in production.",
                id="newsroom.E001",
            )
        )
    if settings.NEWSROOM_SITE_URL.rstrip("/") == DEFAULT_SITE_URL:
        found.append(
            checks.Warning(
                "NEWSROOM_SITE_URL is the development default: webhook payloads would link "
                "partners to 127.0.0.1.",
                hint="Set it to the public site's address, e.g. https://news.example.org.",
                id="newsroom.W001",
            )
        )
    if settings.NEWSROOM_TASKS != "database":
        found.append(
            checks.Warning(
                "NEWSROOM_TASKS=immediate runs background work inside requests and cannot "
                "retry a webhook later.",
                hint="Leave it unset (the database queue) and run `manage.py db_worker`.",
                id="newsroom.W002",
            )
        )
    return found
