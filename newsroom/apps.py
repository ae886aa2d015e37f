from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from . import checks, webhooks  # noqa: F401 - deploy checks; listens to the verbs' events
