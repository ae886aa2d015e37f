"""Sitemaps of the public fact pages: only blocks that a published story uses."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from .models import Claim, Quote, Statistic


class FactSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4
    model = None

    def items(self):
        return self.model.objects.public().order_by("slug")

    def lastmod(self, item):
        return item.updated_at


class QuoteSitemap(FactSitemap):
    model = Quote


class ClaimSitemap(FactSitemap):
    model = Claim


class StatisticSitemap(FactSitemap):
    model = Statistic

    def items(self):
        # A new value changes the page even when the statistic itself was not edited.
        return super().items().annotate(last_value=Max("values__recorded_at"))

    def lastmod(self, item):
        return max(d for d in (item.updated_at, item.last_value) if d)
