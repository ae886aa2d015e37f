"""Query parameters for the partner API's explainers and topics. There is no status filter:
only published explainers are ever listed."""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q

from newsroom.core.api import DateTimeFilter, search_q

from .models import Explainer, Section, SectionBlock, Topic


def public_topics(request):
    return Topic.objects.public()


class ExplainerFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="search",
        label="Words to look for in the headline, standfirst and text (all must appear)",
    )
    topic = filters.ModelChoiceFilter(
        field_name="topics", queryset=public_topics, to_field_name="slug", label="A topic's slug"
    )
    kind = filters.ChoiceFilter(choices=Explainer.Kind.choices)
    published = filters.DateFromToRangeFilter(
        field_name="published_at", label="Published between two dates (inclusive, UK days)"
    )
    updated_since = DateTimeFilter(
        method="filter_updated_since",
        label="Edited, or showing a fact that changed, at or after this time",
    )
    quote = filters.CharFilter(method="filter_uses", label="Uses the quote with this slug")
    statistic = filters.CharFilter(method="filter_uses", label="Uses the statistic with this slug")
    claim = filters.CharFilter(method="filter_uses", label="Uses the claim with this slug")

    class Meta:
        model = Explainer
        fields = ["q", "topic", "kind", "published", "updated_since", "quote", "statistic", "claim"]

    def filter_uses(self, queryset, name, value):
        """Stories placing the fact block anywhere: a fact's ``used_in_url`` points here."""
        places = SectionBlock.objects.filter(
            section__explainer=OuterRef("pk"), **{f"{name}__slug": value}
        )
        return queryset.filter(Exists(places))

    def search(self, queryset, name, value):
        words = value.split()[:10]
        query = Q()
        for word in words:
            in_sections = Section.objects.filter(explainer=OuterRef("pk")).filter(
                Q(heading__icontains=word) | Q(body__icontains=word)
            )
            query &= search_q(["title", "standfirst", "authors__name"], word) | Q(
                Exists(in_sections)
            )
        return queryset.filter(query)

    def filter_updated_since(self, queryset, name, value):
        """A story also changes for readers when a fact it shows changes (a new value, a
        speaker's new name): the same times as the detail's Last-Modified."""
        return queryset.changed_since(value)


class TopicFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Words to look for in the name and description")

    class Meta:
        model = Topic
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(search_q(["name", "description"], value))
