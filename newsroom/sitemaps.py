"""The site's sitemap. ``/sitemap.xml`` lists every public page while they fit in one sitemap;
past the protocol's limit it is a sitemap index instead, listing each section's sitemap
(``/sitemap-quotes.xml``) and its further pages (``?p=2``), each page at most ``limit`` URLs.

A page costs the same queries however large the archive: each section is counted once (from the
stories' and fact blocks' stored publication times) and read a page at a time."""

from django.contrib.sitemaps import views

from claims.sitemaps import ClaimSitemap, QuoteSitemap, StatisticSitemap
from explainers.sitemaps import ExplainerSitemap, HomeSitemap, TopicSitemap

# The most URLs one sitemap may list (https://www.sitemaps.org/protocol.html).
MAX_URLS = 50_000
SECTION_URL_NAME = "sitemap_section"

SITEMAPS = {
    "home": HomeSitemap,
    "explainers": ExplainerSitemap,
    "topics": TopicSitemap,
    "quotes": QuoteSitemap,
    "statistics": StatisticSitemap,
    "claims": ClaimSitemap,
}


def _sections() -> dict:
    """Each section's sitemap, made for this request: it counts its items once."""
    return {name: sitemap() for name, sitemap in SITEMAPS.items()}


def sitemap(request):
    """The sitemap itself while it fits in one; else the index of the sections' pages."""
    sections = _sections()
    paginators = [section.paginator for section in sections.values()]
    if all(p.num_pages <= 1 for p in paginators) and sum(p.count for p in paginators) <= MAX_URLS:
        return views.sitemap(request, sections)
    return views.index(request, sections, sitemap_url_name=SECTION_URL_NAME)


def section(request, section):
    """One section's sitemap, a page (``?p=``) at a time."""
    return views.sitemap(request, _sections(), section=section)
