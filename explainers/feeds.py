"""Atom feeds of the latest published explainers: the whole site, and one per topic."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import Explainer, Topic

FEED_SIZE = 30


def feed_items(queryset):
    """Newest first; topics and public notes prefetched so each entry costs no query."""
    return queryset.published().for_public_list().prefetch_related("corrections")[:FEED_SIZE]


class LatestExplainersFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return f"{settings.NEWSROOM_SITE_NAME}: latest explainers"

    def subtitle(self):
        return "Explainers and analysis, with every figure and quote traced to its source."

    def link(self):
        return reverse("home")

    def feed_url(self):
        return reverse("feeds:latest")

    def items(self):
        return feed_items(Explainer.objects.all())

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_author_name(self, item):
        return item.author_names or settings.NEWSROOM_SITE_NAME

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]


class TopicFeed(LatestExplainersFeed):
    def get_object(self, request, slug):
        # Like the topic page: a topic with nothing published is not there for readers.
        published = Explainer.objects.published().filter(topics=OuterRef("pk"))
        return get_object_or_404(Topic.objects.filter(Exists(published)), slug=slug)

    def title(self, topic):
        return f"{settings.NEWSROOM_SITE_NAME}: {topic.name}"

    def subtitle(self, topic):
        return topic.description or f"Explainers and analysis about {topic.name}."

    def link(self, topic):
        return topic.get_absolute_url()

    def feed_url(self, topic):
        return reverse("feeds:topic", kwargs={"slug": topic.slug})

    def items(self, topic):
        return feed_items(topic.explainers.all())
