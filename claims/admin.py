from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from .models import USAGE_RELATION, Claim, ClaimSource, Person, Quote, Rating, Source, Statistic, StatisticValue


def usage_list(uses, empty="Not used in any story yet."):
    """HTML list of the stories that use a block, linking to each story's admin page."""
    if not uses:
        return empty
    seen = {}
    for use in uses:
        seen.setdefault(use.explainer.pk, use)
    rows = []
    for use in seen.values():
        explainer = use.explainer
        try:
            admin_url = reverse(
                f"admin:{explainer._meta.app_label}_{explainer._meta.model_name}_change",
                args=[explainer.pk],
            )
        except NoReverseMatch:  # pragma: no cover - the explainers admin is always registered
            admin_url = "#"
        rows.append((admin_url, explainer.title, explainer.get_status_display(), use.section))
    return format_html(
        "<p>Used in {} {}:</p><ul class='usage-list'>{}</ul>",
        len(rows),
        "story" if len(rows) == 1 else "stories",
        format_html_join(
            "", "<li><a href='{}'>{}</a> ({}) · section “{}”</li>", rows
        ),
    )


class FactBlockAdmin(admin.ModelAdmin):
    """What every fact block's admin shares: where it is used, how often, review dates."""

    readonly_fields = ["used_in", "created_at", "updated_at"]
    review_fieldset = ("Checking", {"fields": ["checked_on", "review_by"]})
    usage_fieldset = ("Where it is used", {"fields": ["used_in", "created_at", "updated_at"]})

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            use_count=Count(f"{USAGE_RELATION}__section__explainer", distinct=True)
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.all_uses = list(obj.uses())
        return obj

    @admin.display(description="Used in")
    def used_in(self, obj):
        if obj is None or obj.pk is None:
            return "Not used yet: save it, then place it in a section with the block picker."
        return usage_list(obj.all_uses if hasattr(obj, "all_uses") else list(obj.uses()))

    @admin.display(description="Stories", ordering="use_count")
    def uses_count(self, obj):
        return obj.use_count


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "affiliation", "quote_count"]
    search_fields = ["name", "role", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_quotes=Count("quotes"))

    @admin.display(description="Quotes", ordering="num_quotes")
    def quote_count(self, obj):
        return obj.num_quotes


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "publisher", "kind", "published_on"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "publisher", "url"]
    prepopulated_fields = {"slug": ["publisher", "title"]}
    date_hierarchy = "published_on"


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["name", "verdict", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Quote)
class QuoteAdmin(FactBlockAdmin):
    list_display = ["__str__", "speaker", "said_on", "source", "uses_count", "review_by"]
    list_select_related = ["speaker", "source"]
    list_filter = [("speaker", admin.RelatedOnlyFieldListFilter), ("source", admin.RelatedOnlyFieldListFilter), "said_on"]
    search_fields = ["text", "slug", "speaker__name", "context"]
    autocomplete_fields = ["speaker", "source"]
    prepopulated_fields = {"slug": ["text"]}
    fieldsets = [
        (None, {"fields": ["text", "speaker", "said_on", "context", "source", "slug"]}),
        FactBlockAdmin.review_fieldset,
        FactBlockAdmin.usage_fieldset,
    ]


class StatisticValueForm(forms.ModelForm):
    class Meta:
        model = StatisticValue
        fields = ["value", "as_of", "period", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "value" not in self.data:
            # 50271, not 50271.0000
            self.initial["value"] = format(self.instance.value.normalize(), "f")


class StatisticValueInline(admin.TabularInline):
    model = StatisticValue
    form = StatisticValueForm
    extra = 1
    fields = ["value", "as_of", "period", "note"]
    verbose_name = "value"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("statistic")
    verbose_name_plural = "values (newest first; the newest is shown as current)"


@admin.register(Statistic)
class StatisticAdmin(FactBlockAdmin):
    list_display = ["label", "current", "as_of", "source", "uses_count", "review_by"]
    list_select_related = ["source"]
    list_filter = [("source", admin.RelatedOnlyFieldListFilter), "source__kind", "display"]
    search_fields = ["label", "slug", "source__publisher", "source__title"]
    autocomplete_fields = ["source"]
    prepopulated_fields = {"slug": ["label"]}
    inlines = [StatisticValueInline]
    fieldsets = [
        (None, {"fields": ["label", "source", "slug"]}),
        ("How it is shown", {"fields": ["prefix", "unit", "display", "qualifier"]}),
        ("Method", {"fields": ["methodology"], "classes": ["collapse"]}),
        FactBlockAdmin.review_fieldset,
        FactBlockAdmin.usage_fieldset,
    ]

    def get_queryset(self, request):
        latest = StatisticValue.objects.filter(statistic=OuterRef("pk")).order_by("-as_of")
        return super().get_queryset(request).annotate(
            current_value=Subquery(latest.values("value")[:1]),
            current_as_of=Subquery(latest.values("as_of")[:1]),
        )

    @admin.display(description="Current value")
    def current(self, obj):
        if obj.current_value is None:
            return "—"
        return obj.format(obj.current_value)

    @admin.display(description="As of", ordering="current_as_of")
    def as_of(self, obj):
        return obj.current_as_of


class ClaimSourceInline(admin.TabularInline):
    model = ClaimSource
    autocomplete_fields = ["source"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


@admin.register(Claim)
class ClaimAdmin(FactBlockAdmin):
    list_display = ["__str__", "claimed_by", "rating", "claimed_on", "uses_count", "review_by"]
    list_select_related = ["claimant", "rating"]
    list_filter = ["rating", ("claimant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "slug", "claimant__name", "claimant_name", "explanation"]
    autocomplete_fields = ["claimant"]
    inlines = [ClaimSourceInline]
    prepopulated_fields = {"slug": ["text"]}
    fieldsets = [
        (None, {"fields": ["text", ("claimant", "claimant_name"), "claimed_on", "slug"]}),
        ("Verdict", {"fields": ["rating", "explanation"]}),
        FactBlockAdmin.review_fieldset,
        FactBlockAdmin.usage_fieldset,
    ]
