from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Fact blocks"

    def ready(self):
        from newsroom.core import pagecache

        from .caching import fact_pages_showing

        # Which fact pages show a changed fact, person, source, rating or value.
        pagecache.register_finder(fact_pages_showing)
