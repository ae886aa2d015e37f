from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from . import webhooks  # noqa: F401 - listens to the verbs' events (core.events)
