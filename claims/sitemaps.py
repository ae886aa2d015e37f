"""Sitemaps of the public fact pages: only blocks that a published story uses."""

from django.db.models import Max, OuterRef, Subquery

from newsroom.core.sitemaps import Sitemap

from .models import Claim, Quote, Statistic, StatisticValue


class FactSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4
    model = None

    def items(self):
        # Public from the time each block stores: a page, and its count, read no usage row.
        return self.model.objects.public().only("slug", "updated_at").order_by("slug")

    def lastmod(self, item):
        return item.updated_at


class QuoteSitemap(FactSitemap):
    model = Quote


class ClaimSitemap(FactSitemap):
    model = Claim


class StatisticSitemap(FactSitemap):
    model = Statistic

    def items(self):
        # A new value changes the page even when the statistic itself was not edited; asked
        # for the rows of the page only.
        newest = (
            StatisticValue.objects.filter(statistic=OuterRef("pk"))
            .order_by()
            .values("statistic")
            .annotate(newest=Max("recorded_at"))
            .values("newest")
        )
        return super().items().annotate(last_value=Subquery(newest))

    def lastmod(self, item):
        return max(d for d in (item.updated_at, item.last_value) if d)
