import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from newsroom import audit, pagecache
from newsroom.audit import display_name
from newsroom.models import AuditEntry

from .models import (
    USAGE_RELATION,
    Claim,
    ClaimSource,
    Person,
    Quote,
    Rating,
    Source,
    Statistic,
    StatisticValue,
)

USED_IN_LIMIT = 50


def story_count():
    """How many stories use a block; a published story and its working copy are one story."""
    return Count(
        Coalesce(
            f"{USAGE_RELATION}__section__explainer__draft_of",
            f"{USAGE_RELATION}__section__explainer",
        ),
        distinct=True,
    )


def stories_using_url(uses, token: str) -> str:
    """The story changelist filtered to the stories using a block (``?uses=quote:slug``)."""
    opts = uses.stories().model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{changelist}?{urlencode({'uses': token})}"


def usage_list(uses, *, total=None, more_url=None, empty="Not used in any story yet."):
    """HTML list of the stories that use a block, linking to each story's admin page.

    A published story's working copy counts as the story, marked as unpublished changes.
    ``uses`` may be the rows of only the first stories (``of_first_stories``); ``total`` is then
    how many stories there are in all, and ``more_url`` lists them all.
    """
    if not uses:
        return empty
    stories = {}
    for use in uses:
        explainer = use.explainer
        story = explainer.draft_of if explainer.draft_of_id else explainer
        entry = stories.setdefault(story.pk, {"story": story, "sections": [], "copy": False})
        entry["sections"].append(str(use.section))
        entry["copy"] = entry["copy"] or explainer.draft_of_id is not None
    rows = []
    for entry in stories.values():
        story = entry["story"]
        try:
            admin_url = reverse(
                f"admin:{story._meta.app_label}_{story._meta.model_name}_change", args=[story.pk]
            )
        except NoReverseMatch:  # pragma: no cover - the explainers admin is always registered
            admin_url = "#"
        status = story.get_status_display() + (", unpublished changes" if entry["copy"] else "")
        rows.append((admin_url, story.title, status, "; ".join(dict.fromkeys(entry["sections"]))))
    total = max(total or 0, len(rows))
    shown, more = "", ""
    if total > len(rows):
        shown = f"; the {len(rows)} newest"
        if more_url:
            more = format_html("<p><a href='{}'>See all {} stories</a></p>", more_url, total)
    return format_html(
        "<p>Used in {} {}{}:</p><ul class='usage-list'>{}</ul>{}",
        total,
        "story" if total == 1 else "stories",
        shown,
        format_html_join("", "<li><a href='{}'>{}</a> ({}) · {}</li>", rows),
        more,
    )


def stories_using(uses) -> list[str]:
    """Titles of the stories behind a queryset of usage rows, once each."""
    titles = {}
    for use in uses.select_related("section__explainer__draft_of"):
        explainer = use.explainer
        story = explainer.draft_of if explainer.draft_of_id else explainer
        titles.setdefault(story.pk, f"{story.title} ({story.get_status_display().lower()})")
    return list(titles.values())


def usage_rows():
    return Quote._meta.get_field(USAGE_RELATION).related_model.objects


class RefuseDeletingWhatStoriesUse:
    """The delete page names every story that still uses the object, and refuses."""

    def uses_of(self, obj):
        raise NotImplementedError

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            for title in stories_using(self.uses_of(obj)):
                protected.append(f"{obj} is used in the story “{title}”")
        return to_delete, model_count, perms_needed, protected


class FactBlockForm(forms.ModelForm):
    """Catches a colleague's save between opening and saving the form."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = (
                type(self.instance)
                .objects.filter(pk=self.instance.pk)
                .select_related("updated_by")
                .first()
            )
            base = cleaned.get("base_version")
            if current is not None and base is not None and base != current.version:
                who = display_name(current.updated_by) if current.updated_by_id else "someone"
                raise forms.ValidationError(
                    f"{who} saved this {self.instance._meta.verbose_name} at "
                    f"{timezone.localtime(current.updated_at):%H:%M on %-d %B %Y}, after you "
                    "opened it, so your changes were not saved. Everything you typed is still "
                    "below: copy what you need, then reload to see their version.",
                    code="conflict",
                )
        return cleaned


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Due now"), ("week", "Due within 7 days"), ("none", "No review date")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "due":
            return queryset.filter(review_by__lte=today)
        if self.value() == "week":
            return queryset.filter(review_by__lte=today + datetime.timedelta(days=7))
        if self.value() == "none":
            return queryset.filter(review_by__isnull=True)
        return queryset


class FactBlockAdmin(RefuseDeletingWhatStoriesUse, admin.ModelAdmin):
    """What every fact block's admin shares: where it is used, how often, review and checking."""

    form = FactBlockForm
    readonly_fields = [
        "used_in",
        "checked_on",
        "checked_by",
        "created_at",
        "updated_at",
        "updated_by",
    ]
    review_fieldset = ("Checking", {"fields": ["checked_on", "checked_by", "review_by"]})
    usage_fieldset = (
        "Where it is used",
        {"fields": ["used_in", "created_at", "updated_at", "updated_by", "base_version"]},
    )
    actions = ["mark_checked"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=story_count())

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            uses = obj.uses().of_first_stories(USED_IN_LIMIT)
            obj.listed_uses = list(uses.select_related("section__explainer__draft_of"))
        return obj

    def verify_permission(self) -> str:
        return f"{self.opts.app_label}.verify_{self.opts.model_name}"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(self.verify_permission()):
            readonly.append("review_by")  # only fact-checkers set the review schedule
        return readonly

    def uses_of(self, obj):
        return getattr(obj, USAGE_RELATION).all()

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        if change:
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])
        audit.record(
            actor=request.user,
            action=AuditEntry.Action.EDITED if change else AuditEntry.Action.CREATED,
            obj=obj,
        )
        pagecache.fact_changed(obj, old_slug=form.initial.get("slug"))  # stale pages, on commit

    @admin.action(description="Mark selected as checked today")
    def mark_checked(self, request, queryset):
        if not request.user.has_perm(self.verify_permission()):
            self.message_user(
                request, "Only fact-checkers can mark facts as checked.", messages.ERROR
            )
            return
        today = timezone.localdate()
        for obj in queryset:
            type(obj).objects.filter(pk=obj.pk).update(
                checked_on=today,
                checked_by=request.user,
                updated_by=request.user,
                updated_at=timezone.now(),
                version=F("version") + 1,
            )
            audit.record(actor=request.user, action=AuditEntry.Action.CHECKED, obj=obj)
            pagecache.fact_changed(obj)  # "last checked" is on its public page
        self.message_user(request, f"Marked {queryset.count()} as checked on {today:%-d %B %Y}.")

    @admin.display(description="Used in")
    def used_in(self, obj):
        if obj is None or obj.pk is None:
            return "Not used yet: save it, then place it in a section with the block picker."
        if not hasattr(obj, "listed_uses"):  # not from get_object: fetch the same, bounded
            obj.listed_uses = list(obj.uses().of_first_stories(USED_IN_LIMIT))
        total = getattr(obj, "use_count", None)
        if total is None:
            total = obj.uses().stories().count()
        more_url = stories_using_url(obj.uses(), f"{obj.token_kind}:{obj.slug}")
        return usage_list(obj.listed_uses, total=total, more_url=more_url)

    @admin.display(description="Stories", ordering="use_count")
    def uses_count(self, obj):
        return obj.use_count


def needs_review_view(request):
    """Fact blocks whose review date has come, or comes within a week, most-used first."""
    if not request.user.has_module_perms("claims"):
        raise PermissionDenied
    horizon = timezone.localdate() + datetime.timedelta(days=7)
    rows = []
    for model in (Statistic, Quote, Claim):
        if not request.user.has_perm(f"claims.view_{model._meta.model_name}"):
            continue
        queryset = (
            model.objects.filter(review_by__lte=horizon)
            .annotate(use_count=story_count())
            .order_by("-use_count", "review_by")
        )
        if model is Quote:
            queryset = queryset.select_related("speaker")
        rows += [
            {
                "kind": model._meta.verbose_name.capitalize(),
                "obj": obj,
                "url": reverse(f"admin:claims_{model._meta.model_name}_change", args=[obj.pk]),
            }
            for obj in queryset[:200]
        ]
    rows.sort(key=lambda row: (-row["obj"].use_count, row["obj"].review_by))
    context = {
        **admin.site.each_context(request),
        "title": "Fact blocks that need review",
        "rows": rows,
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "admin/claims/needs_review.html", context)


@admin.register(Person)
class PersonAdmin(pagecache.RefreshPagesShowingIt, RefuseDeletingWhatStoriesUse, admin.ModelAdmin):
    list_display = ["name", "role", "affiliation", "quote_count"]
    search_fields = ["name", "role", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}

    def uses_of(self, obj):
        return usage_rows().filter(Q(quote__speaker=obj) | Q(claim__claimant=obj))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_quotes=Count("quotes"))

    @admin.display(description="Quotes", ordering="num_quotes")
    def quote_count(self, obj):
        return obj.num_quotes


@admin.register(Source)
class SourceAdmin(pagecache.RefreshPagesShowingIt, RefuseDeletingWhatStoriesUse, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "publisher", "kind", "published_on"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "publisher", "url"]
    prepopulated_fields = {"slug": ["publisher", "title"]}
    date_hierarchy = "published_on"

    def uses_of(self, obj):
        return usage_rows().filter(
            Q(quote__source=obj) | Q(statistic__source=obj) | Q(claim__citations__source=obj)
        )


@admin.register(Rating)
class RatingAdmin(pagecache.RefreshPagesShowingIt, admin.ModelAdmin):
    list_display = ["name", "verdict", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Quote)
class QuoteAdmin(FactBlockAdmin):
    list_display = ["__str__", "speaker", "said_on", "source", "uses_count", "review_by"]
    list_select_related = ["speaker", "source"]
    list_filter = [
        ("speaker", admin.RelatedOnlyFieldListFilter),
        ("source", admin.RelatedOnlyFieldListFilter),
        "said_on",
    ]
    search_fields = ["text", "slug", "speaker__name", "context"]
    autocomplete_fields = ["speaker", "source"]
    prepopulated_fields = {"slug": ["text"]}
    fieldsets = [
        (None, {"fields": ["text", "speaker", "said_on", "context", "source", "slug"]}),
        FactBlockAdmin.review_fieldset,
        FactBlockAdmin.usage_fieldset,
    ]

    def get_urls(self):
        return [
            path(
                "needs-review/",
                self.admin_site.admin_view(needs_review_view),
                name="claims_needs_review",
            ),
            *super().get_urls(),
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
    """Values are added, never edited or removed: the history is the record."""

    model = StatisticValue
    form = StatisticValueForm
    extra = 1
    fields = ["value", "as_of", "period", "note"]
    can_delete = False
    verbose_name = "value"
    verbose_name_plural = "values (newest first; add a new one, old values are kept as history)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("statistic")

    def has_change_permission(self, request, obj=None):
        return False


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

    def save_formset(self, request, form, formset, change):
        if formset.model is not StatisticValue:
            return super().save_formset(request, form, formset, change)
        previous = form.instance.values.order_by("-as_of").first() if change else None
        for value in sorted(formset.save(), key=lambda v: v.as_of):
            self.value_added(request, value, previous)
            if previous is None or value.as_of > previous.as_of:
                previous = value

    def value_added(self, request, value, previous):
        """Hook for what a new value means elsewhere (stories add their update notes)."""
        audit.record(actor=request.user, action=AuditEntry.Action.VALUE_ADDED, obj=value.statistic)

    def get_queryset(self, request):
        latest = StatisticValue.objects.filter(statistic=OuterRef("pk")).order_by("-as_of")
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_value=Subquery(latest.values("value")[:1]),
                current_as_of=Subquery(latest.values("as_of")[:1]),
            )
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

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and not request.user.has_perm("claims.rate_claim"):
            readonly = [*readonly, "rating"]  # only fact-checkers change a verdict
        return readonly

    def save_model(self, request, obj, form, change):
        if not change and not request.user.has_perm("claims.rate_claim"):
            raise PermissionDenied("Only fact-checkers can rate claims.")
        super().save_model(request, obj, form, change)
