"""Partner API v1: explainers and topics, published ones only (``Explainer.objects.published()``),
in the same read shapes as the public pages."""

import hashlib
import json

from django.db.models import Max
from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_view

from newsroom.core import pagecache
from newsroom.core.api import ERROR_RESPONSES, ReadOnlyViewSet, documented

from . import filters, renderings, serializers
from .caching import story_tag
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
    surrogate_route = pagecache.LISTS

    def get_queryset(self):
        """The story rows with their stored renderings (``renderings``): one query for a
        story or a page of them, whatever their size; the serializers ran when they changed."""
        published = Explainer.objects.published().select_related("rendering")
        if self.action == "retrieve":
            return published.only(*renderings.API_DETAIL_FIELDS)
        return published.only(*renderings.API_LIST_FIELDS).order_by("-published_at", "-pk")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ExplainerDetailSerializer
        return serializers.ExplainerSerializer

    def retrieve(self, request, *args, **kwargs):
        story = self.get_object()
        rendering = self._rendering(story)
        self.response_last_modified = rendering.last_modified  # as ?updated_since= asks
        self.response_etag = renderings.etag(rendering, request, "detail")
        self.surrogate_route = story_tag(story.slug)
        self.shown_keys = rendering.keys.split()  # the story and everything it shows
        return self._json(renderings.for_origin(rendering.api_detail, request))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        stored = []
        for story in page:
            try:
                stored.append(renderings.current(story))
            except Explainer.DoesNotExist:  # taken down since the page was read: left out
                continue
        self.response_last_modified = max((story.updated_at for story in page), default=None)
        self.shown_keys = [pagecache.object_key(story) for story in page]
        links = {
            "next": self.paginator.get_next_link(),
            "previous": self.paginator.get_previous_link(),
        }
        versions = "|".join([*(r.version for r in stored), *map(str, links.values())])
        self.response_etag = hashlib.sha256(
            f"{renderings.origin_of(request)}|{versions}".encode()
        ).hexdigest()[:40]
        # The paginator's shape, {"next", "previous", "results"}, with the stored items placed.
        head = json.dumps(links, separators=(",", ":"))[:-1]
        items = ",".join(rendering.api_item for rendering in stored)
        return self._json(renderings.for_origin(f'{head},"results":[{items}]}}', request))

    @staticmethod
    def _rendering(story):
        try:
            return renderings.current(story)
        except Explainer.DoesNotExist:  # taken down since its row was read
            raise Http404("No such explainer.") from None

    @staticmethod
    def _json(body: str) -> HttpResponse:
        return HttpResponse(body, content_type="application/json")


@documented("topic", "topics with at least one published explainer")
class TopicViewSet(ReadOnlyViewSet):
    serializer_class = serializers.TopicWithCountSerializer
    filterset_class = filters.TopicFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ("name",)
    ordering_fields = ["name"]
    surrogate_route = pagecache.LISTS

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
