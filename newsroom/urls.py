from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from explainers.feeds import LatestExplainersFeed, TopicFeed

from . import csp_reports, sitemaps, views
from .core import desk
from .core.pagecache import cache_public_page as cached
from .core.pagecache import lists_and_facts_tags, lists_tags

admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Stories and fact blocks"

feed_patterns = [
    path("feed/", cached(lists_tags, site=False)(LatestExplainersFeed()), name="latest"),
    path("topics/<slug:slug>/feed/", cached(lists_tags, site=False)(TopicFeed()), name="topic"),
]

urlpatterns = [
    path("", cached(lists_tags)(views.home), name="home"),
    path("healthz/", views.health, name="health"),
    path("csp-report/", csp_reports.receive, name="csp_report"),
    path("search/", cached(lists_and_facts_tags)(views.search), name="search"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.web_manifest, name="manifest"),
    # One sitemap, or past the protocol's limit an index of each section's pages.
    path("sitemap.xml", cached(lists_and_facts_tags, site=False)(sitemaps.sitemap), name="sitemap"),
    path(
        "sitemap-<slug:section>.xml",
        cached(lists_and_facts_tags, site=False)(sitemaps.section),
        name=sitemaps.SECTION_URL_NAME,
    ),
    path("", include((feed_patterns, "feeds"))),
    # The editor's desk: private autosaves and who else is editing (newsroom/core/desk.py).
    path("admin/desk/autosave/", admin.site.admin_view(desk.autosave), name="desk_autosave"),
    path("admin/desk/presence/", admin.site.admin_view(desk.presence), name="desk_presence"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("newsroom.api_urls")),
    path("", include("explainers.urls")),
    path("", include("claims.urls")),
]

# JSON under /api/, the site's own pages elsewhere.
handler404 = "newsroom.api.not_found"
handler500 = "newsroom.api.server_error"

if settings.NEWSROOM_BENCHMARK_VIEWS:  # scripts/loadtest only; never on in production
    from . import benchmark

    urlpatterns += [
        path("_bench/ok/", benchmark.ok),
        path("_bench/static/", benchmark.static_page),
    ]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
