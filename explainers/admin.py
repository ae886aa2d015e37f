from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from claims.admin import usage_list
from claims.models import Claim, Quote, Statistic

from .blocks import compile_body
from .models import Explainer, Media, Section, Topic

PICKER_LIMIT = 8


class BodyWidget(forms.Textarea):
    """Section text with a search box that inserts fact blocks, so nobody types a slug."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 12, "class": "vLargeTextField section-body", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="block-picker-wrap">'
            '<div class="block-picker-label"><span>Insert a fact block or media</span>'
            '<select class="block-picker" data-url="{}" data-target="{}" '
            'aria-label="Search quotes, statistics, claims and media to insert">'
            "<option></option></select></div>{}</div>",
            reverse("admin:explainers_explainer_block_search"),
            (attrs or {}).get("id", ""),
            textarea,
        )

    class Media:
        css = {"all": ["admin/css/vendor/select2/select2.css", "explainers/admin/picker.css"]}
        js = [
            "admin/js/vendor/jquery/jquery.js",
            "admin/js/vendor/select2/select2.full.js",
            "admin/js/jquery.init.js",
            "explainers/admin/picker.js",
        ]


class SectionForm(forms.ModelForm):
    order = forms.IntegerField(
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"style": "width: 5em"}),
        help_text="Sections are shown in this order; new ones go last.",
    )

    class Meta:
        model = Section
        fields = ["heading", "body"]
        widgets = {"body": BodyWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["order"].initial = self.instance.position
        self.compiled = None

    def clean_body(self):
        body = self.cleaned_data["body"]
        self.compiled = compile_body(body)
        return body


class SectionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        headings = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            heading = (form.cleaned_data.get("heading") or "").strip().lower()
            if not heading:
                continue
            if heading in headings:
                form.add_error(
                    "heading", "Another section has this heading; each question should be asked once."
                )
            headings[heading] = form

    def kept_forms(self):
        """Forms whose section stays, in the order the editor asked for."""
        kept = [
            (index, form)
            for index, form in enumerate(self.forms)
            if not self._should_delete_form(form) and (form.instance.pk or form.has_changed())
        ]
        big = 10**9
        def order(item):
            value = item[1].cleaned_data.get("order")
            return (big if value is None else value, item[0])

        kept.sort(key=order)
        return [form for _, form in kept]


class SectionInline(admin.StackedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    fields = ["order", "heading", "body"]
    extra = 1
    ordering = ["position"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Media)
class MediaAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["__str__", "kind", "credit", "has_file"]
    list_filter = ["kind", "credit"]
    search_fields = ["title", "caption", "credit", "slug"]
    prepopulated_fields = {"slug": ["title", "caption"]}
    readonly_fields = ["used_in"]
    fields = ["kind", "title", "caption", "credit", "image", "alt_text", "video_url", "duration", "slug", "used_in"]

    @admin.display(boolean=True, description="File")
    def has_file(self, obj):
        return bool(obj.image)

    @admin.display(description="Used in")
    def used_in(self, obj):
        if obj is None or obj.pk is None:
            return "Not used yet."
        return usage_list(list(obj.section_blocks.for_usage_list()))


@admin.register(Explainer)
class ExplainerAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "published_at", "topic_list", "updated_at"]
    list_filter = ["status", "kind", "topics"]
    search_fields = ["title", "standfirst", "slug", "byline"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics", "hero"]
    date_hierarchy = "published_at"
    inlines = [SectionInline]
    fieldsets = [
        (
            None,
            {
                "fields": ["title", "slug", "kind", "standfirst", "byline", "topics", "hero"],
                "description": (
                    "Write the headline and standfirst, then the sections below, each under a "
                    "reader's question. To add a quote, statistic, claim or photo, type a few "
                    "words of it in the section's search box and pick it: it is checked when you "
                    "save, and readers see it with its source."
                ),
            },
        ),
        ("Publication", {"fields": ["status", "published_at"]}),
        ("Search engines", {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]}),
    ]

    class Media:
        css = {"all": ["explainers/admin/picker.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    @admin.display(description="Topics")
    def topic_list(self, obj):
        return ", ".join(topic.name for topic in obj.topics.all())

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_live else None

    def save_formset(self, request, form, formset, change):
        if formset.model is not Section:
            return super().save_formset(request, form, formset, change)
        save_sections(form.instance, formset)

    # The block picker's search, used by the section body widget.
    def get_urls(self):
        return [
            path(
                "blocks/search/",
                self.admin_site.admin_view(self.block_search_view),
                name="explainers_explainer_block_search",
            ),
            *super().get_urls(),
        ]

    def block_search_view(self, request):
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()[:100]
        return JsonResponse({"results": search_blocks(term), "pagination": {"more": False}})


@transaction.atomic
def save_sections(explainer: Explainer, formset: SectionFormSet) -> None:
    """Save the sections in the chosen order and rebuild each one's usage rows.

    Positions are unique per explainer, so the kept sections are first moved out of the way and
    then numbered 1..n; this works on every database without deferrable constraints.
    """
    for form in formset.deleted_forms:
        if form.instance.pk:
            form.instance.delete()
    kept = formset.kept_forms()
    Section.objects.filter(explainer=explainer).update(position=F("position") + 1_000_000)
    for position, form in enumerate(kept, start=1):
        section = form.save(commit=False)
        section.explainer = explainer
        section.position = position
        compiled = form.compiled or compile_body(section.body)
        section.body_html = compiled.html
        section.save()
        section.write_blocks(compiled.blocks)
    formset.new_objects = [f.instance for f in kept if f not in formset.initial_forms]
    formset.changed_objects = []
    formset.deleted_objects = [f.instance for f in formset.deleted_forms]


def search_blocks(term: str) -> list[dict]:
    """Select2 groups of tokens for quotes, statistics, claims and media matching ``term``."""
    groups = []

    quotes = Quote.objects.select_related("speaker")
    if term:
        quotes = quotes.filter(Q(text__icontains=term) | Q(speaker__name__icontains=term) | Q(slug__icontains=term))
    options = []
    for quote in quotes[:PICKER_LIMIT]:
        options.append((f"[[quote:{quote.slug}]]", f"Quote card · {quote}"))
        options.append((f"[[said:{quote.slug}]]", f"Quoted words in a sentence · {quote}"))
    groups.append(("Quotes", options))

    statistics = Statistic.objects.select_related("source").prefetch_related("values")
    if term:
        statistics = statistics.filter(Q(label__icontains=term) | Q(slug__icontains=term))
    options = []
    for stat in statistics[:PICKER_LIMIT]:
        current = stat.current
        shown = current.display if current else "no value yet"
        options.append((f"[[statistic:{stat.slug}]]", f"Statistic card (live) · {stat.label} · {shown}"))
        options.append((f"[[value:{stat.slug}]]", f"Value in a sentence (live) · {shown} · {stat.label}"))
        if current:
            options.append(
                (
                    f"[[statistic:{stat.slug}@{current.as_of.isoformat()}]]",
                    f"Statistic card pinned to {current.as_of:%-d %b %Y} · {stat.label} · {shown}",
                )
            )
    groups.append(("Statistics", options))

    claims = Claim.objects.select_related("rating", "claimant")
    if term:
        claims = claims.filter(Q(text__icontains=term) | Q(slug__icontains=term))
    groups.append(
        ("Claims", [(f"[[claim:{c.slug}]]", f"Claim card · {c} · {c.rating}") for c in claims[:PICKER_LIMIT]])
    )

    media = Media.objects.all()
    if term:
        media = media.filter(Q(title__icontains=term) | Q(caption__icontains=term) | Q(slug__icontains=term))
    groups.append(("Media", [(f"[[media:{m.slug}]]", str(m)) for m in media[:PICKER_LIMIT]]))

    return [
        {"text": label, "children": [{"id": token, "text": text} for token, text in options]}
        for label, options in groups
        if options
    ]

