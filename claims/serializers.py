"""Fact blocks, sources and people as the partner API shows them. Serializers never query:
each endpoint's ``get_queryset`` (and the explainer detail's read shape) prefetches all of it.

The plain serializers are what a story embeds; the ``...WithUsesSerializer`` variants add the
published explainers that use the block (the newest few, the total, and a link to them all) and
are the fact endpoints' own representation.

The fields declared here are what the schema says; the representations themselves are built by
``representations.py`` (the same output, without DRF's per-field work for every item).
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from newsroom.core import usage
from newsroom.core.api import (
    AbsoluteURLField,
    DateTimeField,
    ModelSerializer,
    OptionalURLField,
    SiteURLField,
    absolute,
)

from . import representations
from .models import STORIES_LISTED, Claim, Person, Quote, Rating, Source, Statistic, StatisticValue
from .representations import Links


class Represented(serializers.Serializer):
    """Read-only output built by ``represent`` (``representations.py``); the declared fields are
    for the schema, and for the generic path taken without a request in the context."""

    def to_representation(self, instance):
        links = Links.of(self.context)
        if links is None:
            return super().to_representation(instance)
        return self.represent(instance, links)

    def represent(self, instance, links) -> dict:
        raise NotImplementedError


class RoleSerializer(Represented):
    """A role someone held; dates the record does not give are null."""

    def represent(self, instance, links):
        return representations.role(instance)

    title = serializers.CharField()
    organisation = serializers.CharField()
    name_as_used = serializers.CharField(help_text="The name with the honorific used then")
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)


class PersonSerializer(Represented, ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:person-detail", lookup_field="slug"
    )

    class Meta:
        model = Person
        fields = ["slug", "name", "role", "affiliation", "description", "api_url", "updated_at"]

    def represent(self, instance, links):
        return representations.person(instance, links)


class SourceSerializer(Represented, ModelSerializer):
    document_url = OptionalURLField(
        source="url",
        help_text="The original document, on the publisher's site; null: no public link",
    )
    archive_url = OptionalURLField(help_text="An archived copy, if one is kept")
    site_url = SiteURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:source-detail", lookup_field="slug"
    )

    class Meta:
        model = Source
        fields = [
            "slug", "title", "publisher", "author", "kind", "document_url", "archive_url",
            "published_on", "accessed_on", "notes", "site_url", "api_url", "updated_at",
        ]  # fmt: skip

    def represent(self, instance, links):
        return representations.source(instance, links)


class RatingSerializer(Represented, ModelSerializer):
    class Meta:
        model = Rating
        fields = ["slug", "name", "verdict", "position", "description"]

    def represent(self, instance, links):
        return representations.rating(instance)


class StatisticValueSerializer(Represented, ModelSerializer):
    value = serializers.DecimalField(max_digits=20, decimal_places=4, normalize_output=True)
    display = serializers.CharField(help_text="Formatted as readers see it, e.g. 50,271 or £1.6bn")
    qualifier = serializers.CharField(
        help_text="As the source gives it: about, more than… or empty"
    )
    as_of = serializers.DateField(allow_null=True, help_text="null: the source does not give it")
    source = SourceSerializer(source="shown_source", help_text="Its own, or the statistic's")
    revises = serializers.PrimaryKeyRelatedField(
        source="revises_id",
        read_only=True,
        allow_null=True,
        help_text="The value it corrects or revises",
    )
    superseded = serializers.BooleanField(
        source="is_superseded", default=False, help_text="A later value corrected or revised it"
    )

    class Meta:
        model = StatisticValue
        fields = [
            "id", "value", "display", "qualifier", "as_of", "period_start", "period_end",
            "source", "note", "revises", "revision_kind", "correction_note", "superseded",
            "recorded_at",
        ]  # fmt: skip

    def represent(self, instance, links):
        return representations.value(instance, links)


class UsedInSerializer(Represented):
    """A published explainer that uses a block (drafts and scheduled stories never appear);
    built from the usage index's ``StoryRef``."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    kind = serializers.CharField()
    published_at = DateTimeField()
    site_url = AbsoluteURLField(source="url", help_text="The explainer's page")
    api_url = AbsoluteURLField(help_text="The explainer in this API")

    def represent(self, instance, links):
        return representations.story(instance, links)


class CheckedMixin(serializers.Serializer):
    checked_on = serializers.SerializerMethodField(
        help_text="When a named fact-checker last checked it; null: not independently checked"
    )
    checked_by = serializers.SerializerMethodField(help_text="Who checked it, or null")

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_checked_on(self, fact):
        return fact.checked_on.isoformat() if fact.is_checked else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_checked_by(self, fact):
        return fact.checked_by.get_full_name() if fact.is_checked else None


class FactSerializer(Represented):
    """A fact block; the variants add its stories (``used_in``) or a link to them."""

    represent_fact = None  # the function in ``representations``
    represent_flags: dict = {}  # what the variant adds: used_in, used_in_url, history

    def represent(self, instance, links):
        return self.represent_fact(instance, links, **self.represent_flags)


class QuoteSerializer(FactSerializer, CheckedMixin, ModelSerializer):
    represent_fact = staticmethod(representations.quote)

    speaker = PersonSerializer()
    role = RoleSerializer(
        source="role_at_the_time",
        allow_null=True,
        help_text="The speaker's role when they said it; null when not known",
    )
    source = SourceSerializer(allow_null=True)
    url = OptionalURLField(help_text="Where it can be heard or read, if anywhere")
    site_url = SiteURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:quote-detail", lookup_field="slug"
    )

    class Meta:
        model = Quote
        fields = [
            "slug", "text", "is_partial", "speaker", "role", "said_on", "said_on_precision",
            "medium", "context", "source", "url", "checked_on", "checked_by", "site_url",
            "api_url", "updated_at",
        ]  # fmt: skip


class StatisticSerializer(FactSerializer, CheckedMixin, ModelSerializer):
    represent_fact = staticmethod(representations.statistic)

    display_format = serializers.ChoiceField(source="display", choices=Statistic.Display.choices)
    source = SourceSerializer()
    current = StatisticValueSerializer(allow_null=True, help_text="The newest value")
    site_url = SiteURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:statistic-detail", lookup_field="slug"
    )

    class Meta:
        model = Statistic
        fields = [
            "slug", "label", "prefix", "unit", "display_format", "current", "methodology",
            "source", "checked_on", "checked_by", "site_url", "api_url", "updated_at",
        ]  # fmt: skip


class ClaimSerializer(FactSerializer, CheckedMixin, ModelSerializer):
    represent_fact = staticmethod(representations.claim)

    claimed_by = serializers.CharField(help_text="The claimant's name, or who made it")
    claimant = PersonSerializer(allow_null=True)
    made_in = SourceSerializer(allow_null=True, help_text="Where the claim was made, if known")
    rating = RatingSerializer()
    verdict_by = serializers.SerializerMethodField(
        help_text="Whose verdict it is: this newsroom's fact-checkers, or the publisher named"
    )
    verdict_source = SourceSerializer(allow_null=True, help_text="Where that publisher gave it")
    sources = SourceSerializer(many=True, help_text="The evidence for the verdict")
    site_url = SiteURLField()
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:claim-detail", lookup_field="slug"
    )

    class Meta:
        model = Claim
        fields = [
            "slug", "text", "claimed_by", "claimant", "claimed_on", "made_in", "medium",
            "rating", "explanation", "verdict_by", "verdict_source", "sources", "checked_on",
            "checked_by", "site_url", "api_url", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField())
    def get_verdict_by(self, claim) -> str:
        return settings.NEWSROOM_SITE_NAME if claim.is_our_verdict else claim.verdict_by


class UsedInLinkMixin(serializers.Serializer):
    used_in_url = serializers.SerializerMethodField(
        help_text="Every published explainer that uses it: the explainers list, filtered"
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_used_in_url(self, fact) -> str:
        return absolute(self.context.get("request"), usage.index().public_stories_api_path(fact))


class UsesMixin(UsedInLinkMixin):
    used_in = UsedInSerializer(
        source="public_stories",
        many=True,
        help_text=f"The {STORIES_LISTED} newest published explainers that use it; "
        "used_in_url lists them all",
    )
    used_in_count = serializers.IntegerField(
        source="public_story_count", help_text="How many published explainers use it"
    )


# In lists, a link to the stories using each block: counting them for a page of 100 blocks
# would cost more than the rest of the page.
class QuoteListedSerializer(UsedInLinkMixin, QuoteSerializer):
    represent_flags = {"used_in_url": True}

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "used_in_url"]


class StatisticListedSerializer(UsedInLinkMixin, StatisticSerializer):
    represent_flags = {"used_in_url": True}

    class Meta(StatisticSerializer.Meta):
        fields = [*StatisticSerializer.Meta.fields, "used_in_url"]


class ClaimListedSerializer(UsedInLinkMixin, ClaimSerializer):
    represent_flags = {"used_in_url": True}

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "used_in_url"]


class QuoteWithUsesSerializer(UsesMixin, QuoteSerializer):
    represent_flags = {"used_in": True, "used_in_url": True}

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "used_in", "used_in_count", "used_in_url"]


class StatisticWithUsesSerializer(UsesMixin, StatisticSerializer):
    represent_flags = {"history": True, "used_in": True, "used_in_url": True}
    history = StatisticValueSerializer(many=True, help_text="Every value, newest first")

    class Meta(StatisticSerializer.Meta):
        fields = [
            *StatisticSerializer.Meta.fields,
            "history",
            "used_in",
            "used_in_count",
            "used_in_url",
        ]


class ClaimWithUsesSerializer(UsesMixin, ClaimSerializer):
    represent_flags = {"used_in": True, "used_in_url": True}

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "used_in", "used_in_count", "used_in_url"]
