from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Stories and fact blocks"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.health, name="health"),
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
