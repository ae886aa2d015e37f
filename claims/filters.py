"""Query parameters for the partner API's fact blocks, sources and people."""

import django_filters as filters

from newsroom.core.api import DateTimeFilter, search_q

from .models import Claim, Person, Quote, Rating, Source, Statistic


def public_people(request):
    return Person.objects.public()


def public_sources(request):
    return Source.objects.public()


class SearchFilterSet(filters.FilterSet):
    search_fields: list[str] = []

    q = filters.CharFilter(method="search", label="Words to look for (all of them must appear)")
    updated_since = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after this time"
    )

    def search(self, queryset, name, value):
        return queryset.filter(search_q(self.search_fields, value))


class PersonFilter(SearchFilterSet):
    search_fields = ["name", "role", "affiliation"]

    class Meta:
        model = Person
        fields = ["q", "updated_since"]


class SourceFilter(SearchFilterSet):
    search_fields = ["title", "publisher", "notes"]

    kind = filters.ChoiceFilter(choices=Source.Kind.choices)
    publisher = filters.CharFilter(lookup_expr="iexact", label="Publisher's name, exactly")
    published = filters.DateFromToRangeFilter(
        field_name="published_on", label="Published between two dates (inclusive)"
    )

    class Meta:
        model = Source
        fields = ["q", "kind", "publisher", "published", "updated_since"]


class QuoteFilter(SearchFilterSet):
    search_fields = ["text", "context", "speaker__name"]

    speaker = filters.ModelChoiceFilter(
        queryset=public_people, to_field_name="slug", label="The speaker's slug"
    )
    source = filters.ModelChoiceFilter(
        queryset=public_sources, to_field_name="slug", label="The source's slug"
    )
    publisher = filters.CharFilter(
        field_name="source__publisher",
        lookup_expr="iexact",
        label="The source's publisher, exactly",
    )
    said = filters.DateFromToRangeFilter(field_name="said_on", label="Said between two dates")

    class Meta:
        model = Quote
        fields = ["q", "speaker", "source", "publisher", "said", "updated_since"]


class StatisticFilter(SearchFilterSet):
    search_fields = ["label", "unit", "methodology"]

    source = filters.ModelChoiceFilter(
        queryset=public_sources, to_field_name="slug", label="The source's slug"
    )
    publisher = filters.CharFilter(
        field_name="source__publisher",
        lookup_expr="iexact",
        label="The source's publisher, exactly",
    )

    class Meta:
        model = Statistic
        fields = ["q", "source", "publisher", "updated_since"]


class ClaimFilter(SearchFilterSet):
    search_fields = ["text", "explanation", "claimant_name", "claimant__name"]

    claimant = filters.ModelChoiceFilter(
        queryset=public_people, to_field_name="slug", label="The claimant's slug"
    )
    rating = filters.ModelChoiceFilter(
        queryset=Rating.objects.all(), to_field_name="slug", label="The rating's slug"
    )
    verdict = filters.ChoiceFilter(field_name="rating__verdict", choices=Rating.Verdict.choices)
    source = filters.ModelChoiceFilter(
        field_name="sources",
        queryset=public_sources,
        to_field_name="slug",
        label="A cited source's slug",
    )
    publisher = filters.CharFilter(
        method="filter_publisher", label="A cited source's publisher, exactly"
    )
    claimed = filters.DateFromToRangeFilter(
        field_name="claimed_on", label="Claimed between two dates"
    )

    class Meta:
        model = Claim
        fields = [
            "q",
            "claimant",
            "rating",
            "verdict",
            "source",
            "publisher",
            "claimed",
            "updated_since",
        ]

    def filter_publisher(self, queryset, name, value):
        # A subquery rather than a join, so a claim citing two such sources is listed once.
        return queryset.filter(
            pk__in=Claim.objects.filter(sources__publisher__iexact=value).values("pk")
        )
