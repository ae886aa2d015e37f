"""Explainers and topics as the partner API shows them. Nothing here queries: the viewsets use
the same read shapes as the public pages (``for_public_list``, ``for_public_detail``)."""

import re
from dataclasses import dataclass

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim as ClaimModel
from claims.models import Quote, Statistic, StatisticValue
from claims.serializers import (
    ClaimSerializer,
    QuoteSerializer,
    SourceSerializer,
    StatisticSerializer,
    StatisticValueSerializer,
)
from newsroom.core.api import (
    DateTimeField,
    ModelSerializer,
    OptionalURLField,
    SiteURLField,
    absolute,
)

from .models import Author, Explainer, Media, Section, SectionBlock, Topic
from .rendering import block_html

# Links our templates write as /facts/… become absolute, so partners' pages can use the HTML.
RELATIVE_LINK = re.compile(r'(\s(?:href|src))="/(?!/)')


def absolute_links(html: str, request) -> str:
    if request is None:
        return html
    origin = request.build_absolute_uri("/").rstrip("/")
    return RELATIVE_LINK.sub(lambda m: f'{m.group(1)}="{origin}/', html)


class TopicSerializer(ModelSerializer):
    site_url = SiteURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:topic-detail", lookup_field="slug"
    )

    class Meta:
        model = Topic
        fields = ["slug", "name", "site_url", "api_url"]


class TopicWithCountSerializer(TopicSerializer):
    explainer_count = serializers.IntegerField(
        source="public_explainer_count", help_text="Published explainers in this topic"
    )

    class Meta(TopicSerializer.Meta):
        fields = ["slug", "name", "description", "explainer_count", "site_url", "api_url"]


class MediaSerializer(ModelSerializer):
    image_url = serializers.SerializerMethodField()
    video_url = OptionalURLField()
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Media
        fields = [
            "slug", "kind", "title", "caption", "credit", "alt_text", "image_url", "video_url",
            "duration_seconds",
        ]  # fmt: skip

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image_url(self, media) -> str | None:
        return absolute(self.context.get("request"), media.image.url) if media.image else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_duration_seconds(self, media) -> int | None:
        return int(media.duration.total_seconds()) if media.duration is not None else None


@dataclass
class Piece:
    """One piece of a section's body: a run of text, or a block with its facts resolved."""

    type: str
    html: str
    quote: Quote | None = None
    statistic: Statistic | None = None
    value: StatisticValue | None = None
    newer_value: StatisticValue | None = None
    pinned: bool = False
    claim: ClaimModel | None = None
    media: Media | None = None


class PieceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["html", *SectionBlock.Kind.values],
        help_text=(
            "html: text. quote / said: a quote card, or quoted words in a sentence. "
            "statistic / value: a statistic card, or its figure in a sentence. claim, media."
        ),
    )
    html = serializers.CharField(help_text="The piece as the site renders it")
    quote = QuoteSerializer(allow_null=True, help_text="For quote and said")
    statistic = StatisticSerializer(allow_null=True, help_text="For statistic and value")
    value = StatisticValueSerializer(
        allow_null=True, help_text="The value shown: the pinned one, or else the current one"
    )
    newer_value = StatisticValueSerializer(
        allow_null=True, help_text="For a pinned figure: a newer value that exists"
    )
    pinned = serializers.BooleanField(help_text="The figure is pinned to its value on a date")
    claim = ClaimSerializer(allow_null=True)
    media = MediaSerializer(allow_null=True)


def section_pieces(section: Section, request) -> list[Piece]:
    pieces = []
    for html, block in section.parts():
        if block is None:
            pieces.append(Piece(type="html", html=absolute_links(html, request)))
            continue
        rendered = block_html(block)
        pieces.append(
            Piece(
                type=block.kind,
                html=absolute_links(rendered.strip(), request),
                quote=block.quote,
                statistic=block.statistic,
                value=block.shown_value,
                newer_value=block.newer_value,
                pinned=block.pinned_value_id is not None,
                claim=block.claim,
                media=block.media,
            )
        )
    return pieces


class SectionSerializer(ModelSerializer):
    html = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Section
        fields = ["position", "heading", "anchor", "html", "body"]

    def pieces(self, section) -> list[Piece]:
        cache = self.context.setdefault("_pieces", {})
        if section.pk not in cache:
            cache[section.pk] = section_pieces(section, self.context.get("request"))
        return cache[section.pk]

    def get_html(self, section) -> str:
        """The section's body as rendered HTML, fact blocks included."""
        return "".join(piece.html for piece in self.pieces(section))

    @extend_schema_field(PieceSerializer(many=True))
    def get_body(self, section):
        return PieceSerializer(self.pieces(section), many=True, context=self.context).data


class NoteSerializer(serializers.Serializer):
    """A public correction, clarification or update note on a story, or on a fact it shows."""

    kind = serializers.ChoiceField(choices=["correction", "clarification", "update"])
    text = serializers.CharField()
    published_at = DateTimeField()
    fact = serializers.SerializerMethodField(
        help_text="For a note on a fact the story shows: the fact's page; null for the story's own"
    )

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_fact(self, note) -> str | None:
        fact = note.fact
        return absolute(self.context.get("request"), fact.get_absolute_url()) if fact else None


class AuthorSerializer(ModelSerializer):
    class Meta:
        model = Author
        fields = ["name", "kind", "url"]


class OriginSerializer(serializers.Serializer):
    """Where a story by another publisher first appeared."""

    publisher = serializers.CharField(source="original_publisher")
    url = OptionalURLField(source="original_url")
    published_on = serializers.DateField(source="original_published_on", allow_null=True)
    licence = serializers.CharField()


class ExplainerSerializer(ModelSerializer):
    byline = serializers.CharField(source="author_names", help_text="Its authors' names")
    authors = AuthorSerializer(many=True)
    originally_published = serializers.SerializerMethodField(
        help_text="When the text is another publisher's: who, where and on what terms"
    )
    topics = TopicSerializer(many=True)
    hero = MediaSerializer(allow_null=True)
    site_url = SiteURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:explainer-detail", lookup_field="slug"
    )

    class Meta:
        model = Explainer
        fields = [
            "slug", "title", "kind", "standfirst", "byline", "authors", "originally_published",
            "topics", "hero", "published_at", "updated_at", "site_url", "api_url",
        ]  # fmt: skip

    @extend_schema_field(OriginSerializer(allow_null=True))
    def get_originally_published(self, explainer):
        if not explainer.original_publisher:
            return None
        return OriginSerializer(explainer).data


class ExplainerDetailSerializer(ExplainerSerializer):
    canonical_url = SiteURLField(help_text="The URL search engines and partners should credit")
    sections = SectionSerializer(many=True)
    sources = SourceSerializer(source="sources_cited", many=True)
    corrections = NoteSerializer(
        source="public_notes",
        many=True,
        help_text="Corrections, clarifications and update notes, oldest first: the story's own "
        "and those on the facts it shows",
    )

    class Meta(ExplainerSerializer.Meta):
        fields = [
            *ExplainerSerializer.Meta.fields, "canonical_url", "seo_title", "seo_description",
            "sections", "sources", "corrections",
        ]  # fmt: skip
