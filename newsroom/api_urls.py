"""/api/v1/: the partner API's routes, its OpenAPI schema and its docs (served offline)."""

from csp.constants import NONCE
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from claims import api as claims_api
from explainers import api as explainers_api

from . import (
    api,  # noqa: F401 - describes partner keys in the schema (a drf-spectacular extension)
    webhooks_api,
)

app_name = "api"


class SwaggerDocsView(SpectacularSwaggerView):
    """Swagger UI under the site's Content Security Policy: the page and its start-up script are
    our own files (the package's template inlines both, and the policy blocks them)."""

    template_name = "newsroom/api_docs_swagger.html"

    @extend_schema(exclude=True)  # the docs pages are not part of the API
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The package relaxes this for OAuth pop-ups; partner keys need none, so keep ours.
        del response["Cross-Origin-Opener-Policy"]
        return response


# As redoc.standalone.js loads, before it can be given the nonce, it inserts one <style> (the
# scrollbar's CSS): empty first, then filled. These are the hashes of both states, for the
# bundle in drf-spectacular-sidecar 2026.10.1; after an upgrade, tests/browser/test_api_docs.py
# reports the new hash in the CSP violation it sees.
REDOC_LOAD_TIME_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # empty
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's CSS
]


class RedocDocsView(SpectacularRedocView):
    """Redoc under the site's Content Security Policy. Redoc generates its CSS in the browser
    and inserts it as <style> elements, so this page alone allows styles carrying its nonce
    (scripts stay 'self'), and workers from blob: URLs, which is how Redoc runs its search."""

    template_name = "newsroom/api_docs_redoc.html"

    @extend_schema(exclude=True)  # the docs pages are not part of the API
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["csp_nonce"] = str(request.csp_nonce)  # puts it in the header too
        response.data["favicon_href"] = SpectacularSwaggerView._swagger_ui_favicon()
        response._csp_update = {
            "style-src": [NONCE, *REDOC_LOAD_TIME_STYLE_HASHES],
            "worker-src": ["'self'", "blob:"],
        }
        return response


router = SimpleRouter()
router.register("explainers", explainers_api.ExplainerViewSet, basename="explainer")
router.register("topics", explainers_api.TopicViewSet, basename="topic")
router.register("people", claims_api.PersonViewSet, basename="person")
router.register("sources", claims_api.SourceViewSet, basename="source")
router.register("quotes", claims_api.QuoteViewSet, basename="quote")
router.register("statistics", claims_api.StatisticViewSet, basename="statistic")
router.register("claims", claims_api.ClaimViewSet, basename="claim")
router.register("webhooks", webhooks_api.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SwaggerDocsView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocDocsView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
