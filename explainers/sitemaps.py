"""Sitemaps of the public site: the home page, published explainers and their topics."""

from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse

from newsroom.core.sitemaps import Sitemap

from .models import Correction, Explainer, ExplainerQuerySet, Topic


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
        # Only what an entry shows, its link and when readers' version last changed
        # (``Explainer.modified_at``), with its newest public note asked for the page's rows.
        newest_note = (
            Correction.objects.filter(explainer=OuterRef("pk"))
            .order_by()
            .values("explainer")
            .annotate(newest=Max("published_at"))
            .values("newest")
        )
        return (
            Explainer.objects.published()
            .only("slug", "published_at", "revised_at")
            .annotate(newest_note=Subquery(newest_note))
            .order_by("-published_at", "pk")
        )

    def lastmod(self, item):
        return max(d for d in (item.published_at, item.revised_at, item.newest_note) if d)


class TopicSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        published = ExplainerQuerySet.published_q(prefix="explainers__")
        return (
            Topic.objects.annotate(latest=Max("explainers__published_at", filter=Q(published)))
            .filter(latest__isnull=False)
            .only("slug")
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.latest
