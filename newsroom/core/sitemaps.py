"""Sitemaps that stay cheap as the archive grows: ``django.contrib.sitemaps`` with two changes.

A section is counted once per request, however often its page count is asked (an index asks it,
then the page itself); and an index gives no ``<lastmod>`` per section, which Django finds by
loading every item of the section."""

from functools import cached_property

from django.contrib import sitemaps
from django.core.paginator import Paginator


class Sitemap(sitemaps.Sitemap):
    """One section of the site's sitemap, paged by ``limit`` (the protocol's 50,000 URLs)."""

    @cached_property
    def paginator(self) -> Paginator:
        return Paginator(self._items(), self.limit)

    def get_latest_lastmod(self):
        return None
