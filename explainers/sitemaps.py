"""Sitemaps of the public site: the home page, published explainers and their topics."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from .models import Explainer, ExplainerQuerySet, Topic


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["home"]

    def location(self, item):
        return reverse(item)


class ExplainerSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return (
            Explainer.objects.published()
            .prefetch_related("corrections")
            .order_by("-published_at", "pk")
        )

    def lastmod(self, item):
        return item.modified_at


class TopicSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        published = ExplainerQuerySet.published_q(prefix="explainers__")
        return (
            Topic.objects.annotate(latest=Max("explainers__published_at", filter=Q(published)))
            .filter(latest__isnull=False)
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.latest
