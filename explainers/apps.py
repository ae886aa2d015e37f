from django.apps import AppConfig


class ExplainersConfig(AppConfig):
    name = "explainers"
    verbose_name = "Stories"

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from claims.publishing import value_added
        from newsroom.core import pagecache, usage

        from . import caching, public_from, publishing, renderings
        from .usage import StoryUsage

        # The facts app asks where its blocks are used; the stories answer.
        usage.register(StoryUsage())
        # Which story pages show a changed object; when a scheduled story appears by itself.
        pagecache.register_finder(caching.story_pages_showing_with_nav)
        pagecache.register_next_change(caching.seconds_until_next_story)
        # Stored renderings of the stories showing a changed object go stale in its transaction.
        pagecache.register_stale_marker(renderings.mark_stale)
        # A new figure means an update note on every published story showing it live.
        value_added.connect(publishing.note_new_value, dispatch_uid="explainers.note_new_value")
        # The database keeps each fact block's public_from: its triggers, around migrations.
        pre_migrate.connect(public_from.before_migrations, sender=self, dispatch_uid=__name__)
        post_migrate.connect(public_from.after_migrations, sender=self, dispatch_uid=__name__)
