import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from newsroom.core import usage, workflow
from newsroom.core.adminlists import DateSafeChangeListAdmin
from newsroom.core.versioning import VersionedForm
from newsroom.core.workflow import WorkflowAdmin

from . import publishing
from .models import (
    Claim,
    ClaimRating,
    ClaimSource,
    Person,
    PersonRole,
    Quote,
    Rating,
    Source,
    Statistic,
    StatisticValue,
    format_number,
    parse_figure,
)
from .slugs import short_slug


class RefuseDeletingWhatStoriesUse:
    """The delete page names every story that still shows the object, and refuses."""

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            for title in usage.index().stories_showing(obj):
                protected.append(f"{obj} is used in the story “{title}”")
        return to_delete, model_count, perms_needed, protected


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


class FactBlockForm(VersionedForm):
    """A colleague's save between opening and saving the form is refused, naming them."""


class ShortSlugForm(FactBlockForm):
    """A new quote or claim may leave its slug empty: it gets a short one, as the block picker
    gives it (``claims.slugs``), not the whole sentence. An existing one keeps its slug, which
    stories' tokens name."""

    slug_help = "Leave empty for a short one made from the speaker and the first words."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields and not self.instance.pk:
            slug = self.fields["slug"]
            slug.required = False
            slug.help_text = f"{self.slug_help} {slug.help_text}".strip()

    def slug_parts(self, cleaned) -> list[str] | None:
        """The words a short slug is made from, or None while the form lacks them."""
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.fields and not self.instance.pk and not cleaned.get("slug"):
            parts = self.slug_parts(cleaned)
            if parts:
                cleaned["slug"] = short_slug(*parts, model=self._meta.model)
        return cleaned


class QuoteForm(ShortSlugForm):
    def slug_parts(self, cleaned):
        speaker, text = cleaned.get("speaker"), (cleaned.get("text") or "").strip()
        return [speaker.name, text] if speaker is not None and text else None


class ClaimForm(ShortSlugForm):
    slug_help = "Leave empty for a short one made from the claimant and the first words."

    def slug_parts(self, cleaned):
        text = (cleaned.get("text") or "").strip()
        claimant = cleaned.get("claimant")
        who = claimant.name if claimant is not None else (cleaned.get("claimant_name") or "")
        return [who.strip(), text] if text else None


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
        return (
            super().get_queryset(request).annotate(use_count=usage.index().story_count(self.model))
        )

    def verify_permission(self) -> str:
        return f"{self.opts.app_label}.verify_{self.opts.model_name}"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(self.verify_permission()):
            readonly.append("review_by")  # only fact-checkers set the review schedule
        return readonly

    def save_model(self, request, obj, form, change):
        publishing.save_fact(obj, by=request.user, created=not change)

    def delete_model(self, request, obj):
        workflow.delete(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            workflow.delete(obj, by=request.user)

    @admin.action(description="Mark selected as checked today")
    def mark_checked(self, request, queryset):
        checked = 0
        for obj in queryset:
            try:
                publishing.check_fact(obj, by=request.user)
            except PermissionDenied as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return
            checked += 1
        self.message_user(
            request, f"Marked {checked} as checked on {timezone.localdate():%-d %B %Y}."
        )

    @admin.display(description="Used in")
    def used_in(self, obj):
        if obj is None or obj.pk is None:
            return "Not used yet: save it, then place it in a section with the block picker."
        return usage.index().admin_used_in(obj, total=getattr(obj, "use_count", None))

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
            .annotate(use_count=usage.index().story_count(model))
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


class PersonRoleInline(admin.TabularInline):
    model = PersonRole
    extra = 1
    fields = ["title", "organisation", "name_as_used", "starts_on", "ends_on"]
    verbose_name_plural = (
        "roles over time (a quote shows the role of its day; leave unknown dates empty)"
    )


@admin.register(Person)
class PersonAdmin(WorkflowAdmin, RefuseDeletingWhatStoriesUse, admin.ModelAdmin):
    inlines = [PersonRoleInline]
    list_display = ["name", "role", "affiliation", "quote_count"]
    search_fields = ["name", "role", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_quotes=Count("quotes"))

    @admin.display(description="Quotes", ordering="num_quotes")
    def quote_count(self, obj):
        return obj.num_quotes


@admin.register(Source)
class SourceAdmin(
    DateSafeChangeListAdmin, WorkflowAdmin, RefuseDeletingWhatStoriesUse, admin.ModelAdmin
):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "publisher", "kind", "published_on"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "publisher", "url"]
    prepopulated_fields = {"slug": ["publisher", "title"]}
    date_hierarchy = "published_on"


@admin.register(Rating)
class RatingAdmin(WorkflowAdmin, RefuseDeletingWhatStoriesUse, admin.ModelAdmin):
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
    form = QuoteForm
    fieldsets = [
        (None, {"fields": ["text", "is_partial", "speaker", "role", "slug"]}),
        (
            "Where and when it was said",
            {
                "fields": [("said_on", "said_on_precision"), "medium", "context", "source", "url"],
                "description": "Give only what the source says: leave a date, a role or a "
                "link empty when it does not say, and the page will say so.",
            },
        ),
        FactBlockAdmin.review_fieldset,
        FactBlockAdmin.usage_fieldset,
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["queryset"] = PersonRole.objects.select_related("person")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        return [
            path(
                "needs-review/",
                self.admin_site.admin_view(needs_review_view),
                name="claims_needs_review",
            ),
            *super().get_urls(),
        ]


class FigureDisplay(forms.Widget):
    """A value already recorded, shown read-only in the values inline as it was typed.

    The admin lets a widget marked ``read_only`` draw a read-only field (as contrib.auth does
    for the password hash); otherwise the DecimalField shows all four stored places."""

    read_only = True

    def render(self, name, value, attrs=None, renderer=None):
        return format_html("{}", format_number(value) if value not in (None, "") else "—")


class FigureField(forms.DecimalField):
    """A figure as people write it: 50,271 or 1,600,000 or 1.6 (commas only between groups of
    three digits, a point for decimals); shown back the same way, without trailing zeros."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": "Type the number only, e.g. 50,271 or 1,600,000 or 1.6: commas between "
        "thousands, a point for decimals, no unit or currency sign (the statistic sets those).",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            return Decimal(value)
        try:
            return parse_figure(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return format_number(value)
        return value


class StatisticValueForm(forms.ModelForm):
    value = FigureField(max_digits=20, decimal_places=4)

    class Meta:
        model = StatisticValue
        fields = [
            "value", "qualifier", "as_of", "period_start", "period_end", "source", "note",
            "revises", "revision_kind", "correction_note",
        ]  # fmt: skip

    def __init__(self, *args, statistic=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.statistic = statistic
        if self.instance.pk:  # recorded values are shown, never edited: 50,271, not 50271.0000
            self.fields["value"].widget = FigureDisplay()
        if "revises" in self.fields:
            revisable = StatisticValue.objects.filter(revised_by__isnull=True).select_related(
                "statistic"
            )
            self.fields["revises"].queryset = (
                revisable.filter(statistic=statistic)
                if statistic is not None and statistic.pk
                else revisable.none()
            )

    def clean(self):
        cleaned = super().clean()
        as_of, revises = cleaned.get("as_of"), cleaned.get("revises")
        statistic = self.statistic
        if (
            not self.instance.pk
            and as_of
            and revises is None
            and statistic is not None
            and statistic.pk
            and statistic.values.filter(as_of=as_of, revises__isnull=True).exists()
        ):
            self.add_error(
                "as_of",
                f"This figure already has a value for {as_of:%-d %B %Y}; values are never "
                "overwritten. To correct it or record the source's revision, choose it under "
                "“Correcting or revising an earlier value”.",
            )
        return cleaned


class StatisticValueFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() or form.instance.pk or not hasattr(form, "cleaned_data"):
                continue
            as_of = form.cleaned_data.get("as_of")
            if as_of and form.cleaned_data.get("revises") is None:
                if as_of in seen:
                    form.add_error("as_of", "Two new values cannot have the same date.")
                seen.add(as_of)


class StatisticValueInline(admin.StackedInline):
    """Values are added, never edited or removed: the history is the record. A wrong value is
    corrected, and an official revision recorded, by a new value that revises it."""

    model = StatisticValue
    form = StatisticValueForm
    formset = StatisticValueFormSet
    extra = 1
    fieldsets = [
        (None, {"fields": [("value", "qualifier"), ("as_of", "period_start", "period_end")]}),
        (None, {"fields": ["source", "note"]}),
        (
            "Correcting or revising an earlier value",
            {"fields": [("revises", "revision_kind"), "correction_note"], "classes": ["collapse"]},
        ),
    ]
    autocomplete_fields = ["source"]
    can_delete = False
    verbose_name = "value"
    verbose_name_plural = "values (add a new one; old values are kept as history)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("statistic", "source", "revises__statistic")
        )

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
    # The values come straight after the label (templates/admin/claims/statistic/
    # change_form.html puts the inline after the first fieldset): they are what is edited most.
    fieldsets = [
        (None, {"fields": ["label", "slug"]}),
        (None, {"fields": ["source"]}),
        ("How it is shown", {"fields": ["prefix", "unit", "display"]}),
        ("Method", {"fields": ["methodology"], "classes": ["collapse"]}),
        FactBlockAdmin.review_fieldset,
        FactBlockAdmin.usage_fieldset,
    ]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, StatisticValueInline):  # a value may revise only this one's
            kwargs["form_kwargs"] = {"statistic": obj}
        return kwargs

    def save_formset(self, request, form, formset, change):
        if formset.model is not StatisticValue:
            return super().save_formset(request, form, formset, change)
        new_values = sorted(formset.save(commit=False), key=StatisticValue.sort_key)
        for value in new_values:
            _, replies = publishing.add_value(
                form.instance,
                by=request.user,
                **{name: getattr(value, name) for name in publishing.VALUE_FIELDS},
            )
            for reply in replies:
                self.message_user(request, reply, messages.SUCCESS)
        formset.new_objects = new_values

    def get_queryset(self, request):
        latest = StatisticValue.objects.filter(
            statistic=OuterRef("pk"), revised_by__isnull=True
        ).order_by(Coalesce("as_of", "period_end", TruncDate("recorded_at")).desc(), "-recorded_at")
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


class EvidenceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """A verdict of our own needs evidence beyond where the claim was made. The claim's
        own form has already put what was typed (verdict by, made in) on ``self.instance``."""
        super().clean()
        claim = self.instance
        evidence = [
            form.cleaned_data.get("source")
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        problem = claim.evidence_problem(evidence)
        if problem:
            raise forms.ValidationError(problem)


class ClaimSourceInline(admin.TabularInline):
    model = ClaimSource
    formset = EvidenceFormSet
    autocomplete_fields = ["source"]
    extra = 1
    verbose_name = "source of evidence"
    verbose_name_plural = "evidence for the verdict"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


class ClaimRatingInline(admin.TabularInline):
    """Every verdict the claim has had: written by the workflow, never edited."""

    model = ClaimRating
    fields = ["rated_at", "rating", "verdict_by", "rated_by", "explanation"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "verdicts so far (newest first)"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("rating", "rated_by")


@admin.register(Claim)
class ClaimAdmin(FactBlockAdmin):
    list_display = ["__str__", "claimed_by", "rating", "claimed_on", "uses_count", "review_by"]
    list_select_related = ["claimant", "rating"]
    list_filter = ["rating", ("claimant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "slug", "claimant__name", "claimant_name", "explanation"]
    autocomplete_fields = ["claimant", "made_in", "verdict_source"]
    inlines = [ClaimSourceInline, ClaimRatingInline]
    form = ClaimForm
    fieldsets = [
        (None, {"fields": ["text", ("claimant", "claimant_name"), "slug"]}),
        ("Where and how it was made", {"fields": ["claimed_on", "made_in", "medium"]}),
        ("Verdict", {"fields": ["rating", "explanation", "verdict_by", "verdict_source"]}),
        FactBlockAdmin.review_fieldset,
        FactBlockAdmin.usage_fieldset,
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and not request.user.has_perm("claims.rate_claim"):
            readonly = [*readonly, "rating"]  # only fact-checkers change a verdict
        return readonly
