"""Partner API v1: explainers and topics, published ones only (``Explainer.objects.published()``),
in the same read shapes as the public pages."""

from django.db.models import Max
from drf_spectacular.utils import extend_schema, extend_schema_view

from newsroom.core.api import ERROR_RESPONSES, ReadOnlyViewSet, documented

from . import filters, serializers
from .models import Explainer, ExplainerQuerySet, Topic

SLUG = "[-a-zA-Z0-9_]+"


@extend_schema_view(
    list=extend_schema(
        summary="List published explainers",
        responses={200: serializers.ExplainerSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One explainer: sections in order, fact blocks resolved, sources, corrections",
        responses={200: serializers.ExplainerDetailSerializer, **ERROR_RESPONSES},
    ),
)
class ExplainerViewSet(ReadOnlyViewSet):
    filterset_class = filters.ExplainerFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ("-published_at",)
    ordering_fields = ["published_at", "updated_at"]

    def get_queryset(self):
        published = Explainer.objects.published()
        if self.action == "retrieve":
            return published.for_public_detail()
        return published.for_public_list()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ExplainerDetailSerializer
        return serializers.ExplainerSerializer

    def get_last_modified(self, explainer):
        if self.action != "retrieve":
            return explainer.updated_at
        return explainer.last_changed  # what ?updated_since= asks too (changed_since)


@documented("topic", "topics with at least one published explainer")
class TopicViewSet(ReadOnlyViewSet):
    serializer_class = serializers.TopicWithCountSerializer
    filterset_class = filters.TopicFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ("name",)
    ordering_fields = ["name"]

    def get_queryset(self):
        return (
            Topic.objects.public()
            .with_public_explainer_count()
            .annotate(
                last_story_update=Max(
                    "explainers__updated_at",
                    filter=ExplainerQuerySet.published_q(prefix="explainers__"),
                )
            )
        )

    def get_last_modified(self, topic):
        return topic.last_story_update
