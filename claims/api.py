"""Partner API v1: people, sources and fact blocks. Public only while a published story uses
them (``.public()``), exactly as on the site's fact pages.

Every answer's ETag is the version of what it shows (``representations.version_of``: the rows'
versions and change times, with the page's links, the origin and the query string), so the body
is never encoded a second time to hash it."""

import hashlib

from newsroom.core.api import ReadOnlyViewSet, documented

from . import filters, representations, serializers
from .models import Claim, Person, Quote, Source, Statistic

SLUG = "[-a-zA-Z0-9_]+"


class VersionedViewSet(ReadOnlyViewSet):
    """The ETag is the version of the rows shown (``representations.version_of``)."""

    shown = None
    detail_shows_uses = False  # a fact block's own endpoint lists its published stories

    def get_object(self):
        self.shown = super().get_object()
        return self.shown

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        page = getattr(self.paginator, "page", None)
        if page is not None:
            links = (response.data.get("next"), response.data.get("previous"))
            self.response_etag = self.version_tag(page, links)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if self.shown is not None:
            uses = self.detail_shows_uses
            self.response_etag = self.version_tag([self.shown], (), uses=uses)
        return response

    def version_tag(self, objects, links, *, uses: bool = False) -> str:
        request = self.request
        material = (
            representations.format_version(),
            request.build_absolute_uri("/"),
            request.get_full_path(),
            self.action,
            links,
            [representations.version_of(obj, uses=uses) for obj in objects],
        )
        return hashlib.sha256(repr(material).encode()).hexdigest()[:40]


def newest(*times):
    return max(filter(None, times), default=None)


class FactViewSet(VersionedViewSet):
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ("-updated_at",)
    ordering_fields = ["updated_at", "created_at"]

    list_serializer_class = None
    detail_shows_uses = True

    def get_serializer_class(self):
        return self.list_serializer_class if self.action == "list" else self.serializer_class

    def get_queryset(self):
        facts = self.facts()
        return facts if self.action == "list" else facts.with_public_stories()

    def facts(self):
        raise NotImplementedError

    def get_last_modified(self, fact):
        # Only a block's own page lists its stories (lists honour only If-None-Match).
        uses = [story.updated_at for story in fact.public_stories] if self.action != "list" else []
        return newest(fact.updated_at, *uses, *self.related_times(fact))

    def related_times(self, fact):
        return []


@documented("person", "people who said a public quote or made a public claim")
class PersonViewSet(VersionedViewSet):
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ("name",)
    ordering_fields = ["name", "updated_at"]

    def get_queryset(self):
        return Person.objects.public()


@documented("source", "sources cited by public fact blocks")
class SourceViewSet(VersionedViewSet):
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ("-updated_at",)
    ordering_fields = ["updated_at", "created_at"]

    def get_queryset(self):
        return Source.objects.public()


@documented("quote", "quotes used in published explainers")
class QuoteViewSet(FactViewSet):
    serializer_class = serializers.QuoteWithUsesSerializer
    list_serializer_class = serializers.QuoteListedSerializer
    filterset_class = filters.QuoteFilter

    def facts(self):
        return Quote.objects.public().for_cards()

    def related_times(self, quote):
        return [quote.speaker.updated_at, quote.source.updated_at if quote.source else None]


@documented("statistic", "statistics used in published explainers, with their history")
class StatisticViewSet(FactViewSet):
    serializer_class = serializers.StatisticWithUsesSerializer
    list_serializer_class = serializers.StatisticListedSerializer
    filterset_class = filters.StatisticFilter

    def facts(self):
        return Statistic.objects.public().for_cards()

    def related_times(self, statistic):
        return [statistic.source.updated_at, *(v.recorded_at for v in statistic.history)]


@documented("claim", "checked claims used in published explainers, with their rating")
class ClaimViewSet(FactViewSet):
    serializer_class = serializers.ClaimWithUsesSerializer
    list_serializer_class = serializers.ClaimListedSerializer
    filterset_class = filters.ClaimFilter

    def facts(self):
        return Claim.objects.public().for_cards()

    def related_times(self, claim):
        claimant = claim.claimant.updated_at if claim.claimant else None
        return [claimant, *(source.updated_at for source in claim.sources.all())]
