"""/api/v1/: the partner API's routes, its OpenAPI schema and its docs (served offline)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from claims import api as claims_api
from explainers import api as explainers_api

from . import api  # noqa: F401 - describes partner keys in the schema (a drf-spectacular extension)

app_name = "api"

router = SimpleRouter()
router.register("explainers", explainers_api.ExplainerViewSet, basename="explainer")
router.register("topics", explainers_api.TopicViewSet, basename="topic")
router.register("people", claims_api.PersonViewSet, basename="person")
router.register("sources", claims_api.SourceViewSet, basename="source")
router.register("quotes", claims_api.QuoteViewSet, basename="quote")
router.register("statistics", claims_api.StatisticViewSet, basename="statistic")
router.register("claims", claims_api.ClaimViewSet, basename="claim")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
