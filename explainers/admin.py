import datetime
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.html import format_html

from claims.admin import RefuseDeletingWhatStoriesUse
from claims.models import Claim, Quote, Statistic
from newsroom.core.adminlists import DateSafeChangeListAdmin
from newsroom.core.versioning import VersionedAdmin, VersionedForm, conflict_message
from newsroom.core.workflow import WorkflowAdmin, require

from . import importing, publishing
from .blocks import compile_body
from .models import (
    Author,
    Correction,
    Explainer,
    FurniturePattern,
    Media,
    Revision,
    Section,
    SectionBlock,
    Topic,
)
from .picker import NEW_FACT_FORMS, can_create, search_blocks
from .previewing import bodies_in, known_blocks, story_from_form
from .proofing import proof
from .revisions import revision_diff
from .usage import used_in_html
from .views import preview_token, render_preview


class BodyWidget(forms.Textarea):
    """Section text with a search box that inserts fact blocks, so nobody types a slug."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"rows": 12, "class": "vLargeTextField section-body", **(attrs or {})}
        )

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="block-picker-wrap">'
            '<div class="block-picker-label"><span>Insert a fact block or media</span>'
            '<select class="block-picker" data-url="{}" data-new-url="{}" data-target="{}" '
            'aria-label="Search quotes, statistics, claims and media to insert">'
            "<option></option></select></div>{}</div>",
            reverse("admin:explainers_explainer_block_search"),
            reverse("admin:explainers_explainer_new_fact", args=["KIND"]),
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
        formset = getattr(self, "formset", None)
        self.compiled = compile_body(body, known=formset.known if formset is not None else None)
        return body


class ExistingSection(forms.ModelChoiceField):
    """A section form's hidden id, found among the sections the formset already loaded:
    Django's own field asks the database once per section."""

    def __init__(self, *args, formset, **kwargs):
        super().__init__(*args, **kwargs)
        self.formset = formset

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            section = self.formset._existing_object(int(value))
        except (TypeError, ValueError):
            section = None
        if section is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return section


class SectionFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get("id")
        if isinstance(field, forms.ModelChoiceField):
            form.fields["id"] = ExistingSection(
                queryset=field.queryset,
                initial=field.initial,
                required=False,
                widget=field.widget,
                formset=self,
            )

    @cached_property
    def known(self) -> dict:
        """Every block the posted sections name, fetched once for all of them: checking and
        previewing a story costs the same number of queries however many sections it has."""
        return known_blocks(bodies_in(self.data, self.prefix))

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.formset = self
        return form

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
                    "heading",
                    "Another section has this heading; each question should be asked once.",
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


@admin.register(Author)
class AuthorAdmin(WorkflowAdmin, admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Topic)
class TopicAdmin(WorkflowAdmin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(FurniturePattern)
class FurniturePatternAdmin(WorkflowAdmin, admin.ModelAdmin):
    """The lines an import drops as page furniture, kept by editors, not in code."""

    list_display = ["pattern", "kind", "note", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["pattern", "note"]
    fields = ["kind", "pattern", "note", "active"]


@admin.register(Media)
class MediaAdmin(WorkflowAdmin, RefuseDeletingWhatStoriesUse, admin.ModelAdmin):
    class MediaForm(VersionedForm):
        """A focal point left empty (or not sent) is the centre, as before one could be set."""

        FOCAL_FIELDS = ("focal_x", "focal_y")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name in self.FOCAL_FIELDS:
                self.fields[name].required = False

        def clean(self):
            cleaned = super().clean()
            for name in self.FOCAL_FIELDS:
                if cleaned.get(name) is None and name not in self.errors:
                    cleaned[name] = Media._meta.get_field(name).default
            return cleaned

    form = MediaForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["__str__", "kind", "credit", "has_file"]
    list_filter = ["kind", "credit"]
    search_fields = ["title", "caption", "credit", "slug"]
    prepopulated_fields = {"slug": ["title", "caption"]}
    readonly_fields = ["used_in"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "title",
                    "caption",
                    "credit",
                    "image",
                    "alt_text",
                    "video_url",
                    "duration",
                    "slug",
                    "used_in",
                ]
            },
        ),
        (
            "Focal point",
            {
                "classes": ["collapse"],
                "description": "Home and topic pages crop pictures to a fixed shape. Say where "
                "the subject is, in per cent of the width and height, and the crop keeps it in "
                "view: 50 and 50 is the centre; 20 across and 30 down is a face at the upper "
                "left. Pages place it to the nearest 10 %.",
                "fields": [("focal_x", "focal_y")],
            },
        ),
    ]

    @admin.display(boolean=True, description="File")
    def has_file(self, obj):
        return bool(obj.image)

    @admin.display(description="Used in")
    def used_in(self, obj):
        if obj is None or obj.pk is None:
            return "Not used yet."
        return used_in_html(obj)


class ExplainerForm(VersionedForm):
    """A colleague's save or publish in between is caught (``core.versioning``)."""

    class Meta:
        model = Explainer
        fields = "__all__"

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        story = self.instance.story if self.instance.pk else None
        others = Explainer.objects.stories().filter(slug=slug)
        if story is not None:
            others = others.exclude(pk=story.pk)
        if others.exists():
            raise forms.ValidationError("Another explainer already has this slug.")
        return slug

    for_preview = False  # a preview writes nothing: a live story's form is shown as it stands

    def clean(self):
        if (
            self.instance.pk
            and not self.for_preview
            and not self.instance.is_working_copy
            and self.instance.is_live
        ):
            # It went live while this form was open; readers' version is never edited in place.
            raise forms.ValidationError(conflict_message(self.instance), code="conflict")
        return super().clean()


class UsesBlockFilter(admin.SimpleListFilter):
    """``?uses=quote:<slug>`` (or statistic, claim, media): the stories using one block, through
    unpublished changes too. Linked from the block's "Used in" list, not offered for every block.
    """

    title = "block used"
    parameter_name = "uses"
    kinds = {"quote": Quote, "statistic": Statistic, "claim": Claim, "media": Media}

    def lookups(self, request, model_admin):
        self.block = None
        value = self.value()
        if not value:
            return []
        kind, _, slug = value.partition(":")
        if kind in self.kinds:
            self.block = self.kinds[kind].objects.filter(slug=slug).first()
        # While filtering there must be a choice: without one the admin drops the filter
        # silently and lists every story.
        return [(value, str(self.block) if self.block else f"No such block: {value}")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if self.block is None:
            return queryset.none()
        return queryset.filter(pk__in=SectionBlock.objects.showing(self.block).story_ids())


class ImportTextForm(forms.Form):
    """The text to import, pasted or uploaded, and where it comes from. Valid when it can be
    read (``importing.read_article``): ``plan`` is then what was read."""

    text = forms.CharField(
        label="Paste the article's text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "vLargeTextField import__box"}),
        help_text="One paragraph a line, as copied from the page. Headings, lists, “Image: … "
        "Pic: …” lines, videos, quotes and figures are recognised; nothing is saved until you "
        "confirm.",
    )
    upload = forms.FileField(
        label="or upload a text file",
        required=False,
        help_text=f"Plain text in UTF-8, at most {importing.MAX_BYTES // 1024} KB.",
    )
    publisher = forms.CharField(
        label="Published by",
        max_length=200,
        required=False,
        help_text="If you know it and the text does not say, e.g. Sky News.",
    )
    url = forms.URLField(
        label="Original URL", max_length=500, required=False, assume_scheme="https"
    )
    kind = forms.ChoiceField(choices=Explainer.Kind.choices, initial=Explainer.Kind.EXPLAINER)

    def __init__(self, *args, keep=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].validators = []  # importing says what a null character means
        self.keep = set(keep)
        self.plan = None

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("upload"), cleaned.get("text") or ""
        field = "upload" if upload else "text"
        try:
            if upload and text.strip():
                raise ValidationError("Paste the text or upload a file, not both.")
            if upload:
                if upload.size > importing.MAX_BYTES:
                    raise ValidationError(importing.too_big(upload.size))
                text = importing.decode(upload.read())
            cleaned["text"] = importing.clean_text(text)
            if "publisher" in cleaned and "url" in cleaned:
                self.plan = importing.read_article(
                    cleaned["text"],
                    keep_as_text=self.keep,
                    publisher=cleaned["publisher"],
                    url=cleaned["url"],
                )
        except ValidationError as error:
            self.add_error(field, error)
        return cleaned

    @property
    def fingerprint(self) -> str:
        data = self.cleaned_data
        return importing.fingerprint(data["text"], self.keep, data["publisher"], data["url"])


class ImportTextAdmin:
    """“Import text” on the stories' list: paste or upload an article, review what was
    recognised and proposed, then confirm: the draft and the facts accepted are created in one
    transaction (``importing.create_draft``). Nothing is written before the confirmation, and
    nothing is kept between the two steps but the posted text."""

    change_list_template = "admin/explainers/import_changelist.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="explainers_explainer_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self.import_page(request, ImportTextForm())
        keep = importing.kept_lines(request.POST.getlist("keep"))
        form = ImportTextForm(request.POST, request.FILES, keep=keep)
        if not form.is_valid():
            return self.import_page(request, form)
        problems = []
        if "_confirm" in request.POST:
            if request.POST.get("reviewed") != form.fingerprint:
                problems.append(
                    "The text or what you undid changed since this review, so nothing was "
                    "created: check the proposals below, then create the draft."
                )
            else:
                try:
                    result = importing.create_draft(
                        form.plan,
                        by=request.user,
                        choices=self.posted(request, form.plan, "choice"),
                        speakers=self.posted(request, form.plan, "speaker"),
                        labels=self.posted(request, form.plan, "label"),
                        title=request.POST.get("headline", ""),
                        standfirst=request.POST.get("standfirst", ""),
                        kind=form.cleaned_data["kind"],
                    )
                except (ValidationError, PermissionDenied) as error:
                    problems += getattr(error, "messages", None) or [str(error)]
                except IntegrityError:
                    problems.append(
                        "Someone saved a record with the same name just now; nothing was "
                        "created. Create the draft again."
                    )
                else:
                    self.message_user(
                        request,
                        f"{result} Nothing is published: check it, then submit it for review.",
                        messages.SUCCESS,
                    )
                    return redirect(change_url(result.explainer))
        return self.review_page(request, form, problems)

    @staticmethod
    def posted(request, plan, prefix: str) -> dict[str, str]:
        return {
            p.key: request.POST[f"{prefix}-{p.key}"]
            for p in plan.proposals
            if f"{prefix}-{p.key}" in request.POST
        }

    def import_page(self, request, form):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a text as a draft",
            "form": form,
        }
        return TemplateResponse(request, "admin/explainers/import_text.html", context)

    def review_page(self, request, form, problems):
        plan = form.plan
        chosen = {**plan.default_choices(), **self.posted(request, plan, "choice")}
        typed = {
            "speaker": self.posted(request, plan, "speaker"),
            "label": self.posted(request, plan, "label"),
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Review the import",
            "form": form,
            "plan": plan,
            "review": importing.review_rows(plan, chosen, typed),
            "kept": form.keep,
            "reviewed": form.fingerprint,
            "headline": request.POST.get("headline") or plan.headline_or_stand_in,
            "standfirst": request.POST.get("standfirst") or plan.standfirst_or_stand_in,
            "problems": problems,
            "not_in_text": importing.NOT_IN_TEXT,
        }
        return TemplateResponse(request, "admin/explainers/import_review.html", context)


class RevisionCompareForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)


@admin.register(Explainer)
class ExplainerAdmin(ImportTextAdmin, DateSafeChangeListAdmin, admin.ModelAdmin):
    form = ExplainerForm
    list_display = ["title", "kind", "status_column", "published_at", "topic_list", "updated_at"]
    list_filter = ["status", "kind", "topics", UsesBlockFilter]
    search_fields = ["title", "standfirst", "slug", "authors__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["authors", "topics", "hero"]
    date_hierarchy = "published_at"
    inlines = [SectionInline]
    readonly_fields = ["status_display", "published_at"]
    actions = ["submit_selected", "publish_selected", "unpublish_selected", "archive_selected"]
    change_form_template = "admin/explainers/explainer/change_form.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "kind",
                    "standfirst",
                    "authors",
                    "topics",
                    "hero",
                    "figures",
                    "base_version",
                ],
                "description": (
                    "Write the headline and standfirst, then the sections below, each under a "
                    "reader's question. To add a quote, statistic, claim or photo, type a few "
                    "words of it in the section's search box and pick it: it is checked when you "
                    "save, and readers see it with its source."
                ),
            },
        ),
        ("Publication", {"fields": ["status_display", "published_at"]}),
        (
            "Another publisher's story",
            {
                "fields": [
                    "original_publisher",
                    "original_url",
                    "original_published_on",
                    "licence",
                ],
                "classes": ["collapse"],
                "description": "When the text is another publisher's: readers, search engines "
                "and partners are told whose it is, and where it first appeared.",
            },
        ),
        ("Search engines", {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]}),
    ]

    class Media:
        css = {"all": ["explainers/admin/picker.css"]}

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("draft_of", "working_copy")
            .prefetch_related("topics")
        )
        match = getattr(request, "resolver_match", None)
        if match and match.url_name and match.url_name.endswith("changelist"):
            queryset = queryset.stories()
        return queryset

    @admin.display(description="Topics")
    def topic_list(self, obj):
        return ", ".join(topic.name for topic in obj.topics.all())

    @admin.display(description="Status", ordering="status")
    def status_column(self, obj):
        label = obj.status_label
        copy = getattr(obj, "working_copy", None) if not obj.is_working_copy else None
        if copy is not None and copy.has_changes:
            label += f" · unpublished changes ({copy.get_status_display().lower()})"
        return format_html('<span class="status status--{}">{}</span>', obj.status, label)

    @admin.display(description="Status")
    def status_display(self, obj):
        if obj is None or obj.pk is None:
            return "Draft: save it, then submit it for review or publish it."
        if obj.is_working_copy and obj.has_changes:
            return format_html(
                "<strong>Unpublished changes</strong> to a published story ({}). Readers see "
                "the published version until these changes are published.",
                obj.get_status_display().lower(),
            )
        if obj.is_working_copy:
            return format_html(
                "<strong>{}</strong>, no unpublished changes", obj.story.status_label
            )
        return format_html("<strong>{}</strong>", obj.status_label)

    def view_on_site(self, obj):
        story = obj.story
        return story.get_absolute_url() if story.is_live else None

    # --- Editing goes to the working copy of a published story ------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A published story's edits go to its working copy. Opening one writes nothing: the
        page shows the story's working copy if it has one, else the story itself, and the first
        save makes the copy (``save_to_working_copy``)."""
        obj = self.get_object(request, object_id)
        verb = request.POST.get("_workflow") if request.method == "POST" else None
        if verb and obj is not None:
            if verb not in self.WORKFLOW_VERBS:
                raise Http404("No such workflow step.")
            if verb == "discard" or not self.form_has_changes(request, obj):
                return self.workflow_view(request, obj.pk, verb)
            # Otherwise what is typed is saved first, as any save is; then
            # ``response_change`` runs the step.
        if obj is not None and self.has_change_permission(request, obj):
            story = obj.story
            if obj.is_working_copy and not publishing.is_edited_through_a_copy(story):
                if request.method == "GET":  # taken down since: its text is the story's now
                    self.message_user(
                        request,
                        "This story is no longer published, so it is edited directly.",
                        messages.INFO,
                    )
                    return redirect(change_url(story))
            elif publishing.is_edited_through_a_copy(obj):
                if request.method == "POST":
                    return self.save_to_working_copy(request, obj, extra_context)
                copy = publishing.existing_copy(obj)
                if copy is not None:
                    return redirect(change_url(copy))
        extra_context = {**(extra_context or {}), **self.workflow_context(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def form_has_changes(self, request, obj) -> bool:
        """Whether the posted change form differs from ``obj`` as stored: a workflow button
        saves what is typed first, but an untouched form makes no save (and no working copy)."""
        if not self.has_change_permission(request, obj):
            return False
        form = self.get_form(request, obj, change=True)(request.POST, request.FILES, instance=obj)
        if form.has_changed():
            return True
        formsets, _ = self._create_formsets(request, obj, change=True)
        return any(formset.has_changed() for formset in formsets)

    def response_change(self, request, obj):
        """After a save made by a workflow button, the step itself, on what was just saved."""
        verb = request.POST.get("_workflow")
        if not verb:
            return super().response_change(request, obj)
        obj.refresh_from_db(fields=["version", "has_changes"])
        self.message_user(request, "Your changes were saved.", messages.SUCCESS)
        return self.run_verb_and_return(request, obj, verb, seen_version=obj.version)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if request.method == "POST" and request.POST.get("_workflow"):
            self.message_user(
                request,
                "Nothing was saved, and the step was not taken: correct what is marked below "
                "(your text is all still here), then press the button again.",
                messages.ERROR,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_to_working_copy(self, request, story, extra_context):
        """A form opened on a published story, saved: into its working copy, made now (under a
        lock) if it has none. The form's sections are the story's, so they are sent to the
        copy's sections in the same places; a copy someone saved meanwhile has moved its
        version on, and the form is refused with its text kept."""
        with transaction.atomic():
            copy = publishing.working_copy(story, by=request.user)
            request.POST = sections_of(copy, request.POST, story=story)
            request.__dict__.pop("_explainer_objects", None)
            extra_context = {**(extra_context or {}), **self.workflow_context(request, copy)}
            return super().change_view(request, str(copy.pk), change_url(copy), extra_context)

    def get_object(self, request, object_id, from_field=None):
        """Once per request: ``change_view`` looks before the admin's own view does."""
        cache = request.__dict__.setdefault("_explainer_objects", {})
        if object_id not in cache:
            cache[object_id] = super().get_object(request, object_id, from_field)
        return cache[object_id]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.status = Explainer.Status.DRAFT
        else:  # the audit entry keeps each changed field before and after
            request._explainer_before = publishing.snapshot(Explainer.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Section:
            return super().save_formset(request, form, formset, change)
        kept = formset.kept_forms()
        publishing.write_sections(
            form.instance,
            [
                publishing.SectionText.compile(
                    section.cleaned_data.get("heading", ""),
                    section.cleaned_data.get("body", ""),
                    pk=section.instance.pk,
                    compiled=section.compiled,
                )
                for section in kept
            ],
        )
        formset.new_objects = [section.instance for section in kept if not section.instance.pk]
        formset.changed_objects = []
        formset.deleted_objects = [section.instance for section in formset.deleted_forms]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        publishing.record_edit(
            form.instance,
            by=request.user,
            created=not change,
            before=getattr(request, "_explainer_before", None),
        )

    def workflow_context(self, request, obj):
        if obj is None:
            return {}
        story = obj.story
        user = request.user
        revisions = list(story.revisions.select_related("created_by").order_by("-number")[:5])
        return {
            "workflow": {
                "story": story,
                "is_copy": obj.is_working_copy,
                "has_changes": obj.has_changes,
                "edits_wait": publishing.is_edited_through_a_copy(story),
                "can_submit": user.has_perm("explainers.submit_explainer")
                and obj.status in (Explainer.Status.DRAFT,),
                "can_publish": user.has_perm("explainers.publish_explainer"),
                "can_correct": user.has_perm("explainers.correct_explainer") and story.published_at,
                "is_live": story.is_live,
                "is_scheduled": story.is_scheduled,
                "status": story.status,
                "preview_url": reverse("explainers:preview", args=[obj.pk]),
                "share_url": request.build_absolute_uri(
                    reverse("explainers:shared_preview", args=[preview_token(obj)])
                ),
                "share_hours": settings.NEWSROOM_PREVIEW_LINK_HOURS,
                "revisions": revisions,
                "revision_count": story.revisions.count(),
                "corrections": list(story.corrections.all()[:5]),
            }
        }

    # --- Workflow buttons and actions ----------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "blocks/search/",
                view(self.block_search_view),
                name="explainers_explainer_block_search",
            ),
            path(
                "<int:pk>/proofing/",
                view(self.proofing_view),
                name="explainers_explainer_proofing",
            ),
            path(
                "blocks/new/<str:kind>/",
                view(self.new_fact_view),
                name="explainers_explainer_new_fact",
            ),
            path(
                "<int:pk>/workflow/<str:verb>/",
                view(self.workflow_view),
                name="explainers_explainer_workflow",
            ),
            path(
                "<int:pk>/preview/",
                view(self.preview_form_view),
                name="explainers_explainer_preview_form",
            ),
            path(
                "<int:pk>/revisions/",
                view(self.revisions_view),
                name="explainers_explainer_revisions",
            ),
            path(
                "<int:pk>/revisions/<int:number>/restore/",
                view(self.restore_view),
                name="explainers_explainer_restore",
            ),
            *super().get_urls(),
        ]

    def block_search_view(self, request):
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        # Control characters (NUL, which PostgreSQL refuses, among them) match nothing anyway.
        term = "".join(ch for ch in request.GET.get("term", "") if ch.isprintable()).strip()[:100]
        return JsonResponse(
            {"results": search_blocks(term, request.user), "pagination": {"more": False}}
        )

    def new_fact_view(self, request, kind):
        """The picker's "New quote…" (statistic, claim): GET the small form, POST it. A saved
        fact answers with its token, which the picker inserts at the cursor; a refused one
        answers with the form and what to correct, nothing saved."""
        form_class = NEW_FACT_FORMS.get(kind)
        if form_class is None:
            raise Http404("No such kind of fact.")
        if not can_create(request.user, kind):
            raise PermissionDenied
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        fact = form.save(request.user)
                except ValidationError as error:
                    form.add_error(None, error)
                except IntegrityError:  # the same new fact saved by someone at that moment
                    form.add_error(
                        None, "Someone saved a fact with the same name just now; save again."
                    )
                else:
                    token = f"[[{fact.token_kind}:{fact.slug}]]"
                    return JsonResponse({"token": token, "label": str(fact)})
            status = 400
        else:
            initial = {"text": request.GET.get("text", "")[:500]}
            if kind == "statistic":
                initial = {"label": request.GET.get("text", "")[:200]}
            form = form_class(initial=initial)
            status = 200
        return TemplateResponse(
            request,
            "admin/explainers/explainer/new_fact.html",
            {"form": form, "kind": kind, "action": request.path},
            status=status,
        )

    def preview_form_view(self, request, pk):
        """The story as the posted form would leave it, unsaved (``previewing``): the Preview
        button and the live preview beside the form. A GET shows the saved version."""
        if request.method != "POST":
            return redirect(reverse("explainers:preview", args=[pk]))
        story, _ = self._story_from_post(request, pk)
        response = render_preview(request, story, shared=False, from_form=True)
        # Shown in a frame beside the form: this page may frame it, no other site.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_replace = {"frame-ancestors": ["'self'"]}
        return response

    def proofing_view(self, request, pk):
        """The writing aids beside the form (``proofing``), for the posted, unsaved form: word
        count, reading time and the checks before publishing, as JSON."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        story, kept = self._story_from_post(request, pk)
        return JsonResponse(proof(story, [f"id_{section['body'].html_name}" for section in kept]))

    def _story_from_post(self, request, pk):
        """The story as the posted form would leave it, in memory, and its kept section forms."""
        obj = self.get_object(request, str(pk))
        if obj is None:
            raise Http404("No such story.")
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        form = self.get_form(request, obj, change=True)(request.POST, request.FILES, instance=obj)
        form.for_preview = True
        form.is_valid()
        formsets, _ = self._create_formsets(request, obj, change=True)
        sections = next(formset for formset in formsets if formset.model is Section)
        sections.is_valid()
        kept = sections.kept_forms()
        for section in kept:
            if section.compiled is None:  # a bad token: shown, with why, where it stands
                body = section["body"].value() or ""
                section.compiled = compile_body(body, known=sections.known, lenient=True)
        return story_from_form(obj, form, kept), kept

    WORKFLOW_VERBS = {
        "submit",
        "publish",
        "publish_now",
        "schedule",
        "unpublish",
        "archive",
        "discard",
        "correct",
    }

    def workflow_view(self, request, pk, verb):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if verb not in self.WORKFLOW_VERBS:
            raise Http404("No such workflow step.")
        explainer = get_object_or_404(Explainer, pk=pk)
        if not self.has_view_permission(request, explainer):
            raise PermissionDenied
        seen = request.POST.get("base_version")  # the version the page showed
        return self.run_verb_and_return(request, explainer, verb, seen_version=seen)

    def run_verb_and_return(self, request, explainer, verb, *, seen_version):
        back = reverse("admin:explainers_explainer_change", args=[explainer.pk])
        try:
            with transaction.atomic():
                message = self.run_verb(request, explainer, verb, seen=seen_version)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(back)
        self.message_user(request, message, messages.SUCCESS)
        if not Explainer.objects.filter(pk=explainer.pk).exists():
            return redirect(reverse("admin:explainers_explainer_changelist"))
        return redirect(back)

    def run_verb(self, request, explainer, verb, *, seen) -> str:
        """``seen``: the version the page showed (or that its own save just made)."""
        user = request.user
        if verb == "publish" and not self.has_something_to_publish(explainer):
            return "Nothing to publish: readers already see this version."
        if verb == "submit":
            publishing.submit_for_review(explainer, by=user, seen_version=seen)
            return "Submitted for review: an editor can now publish it."
        if verb == "publish":
            story = publishing.publish(explainer, by=user, seen_version=seen)
            if story.is_scheduled:
                when = timezone.localtime(story.published_at)
                return f"Approved: readers see this version from {when:%-d %B %Y, %H:%M}."
            return f"Published. Readers see it at {story.get_absolute_url()}"
        if verb == "publish_now":  # a scheduled story, or its approved changes, live at once
            story = publishing.publish(explainer, by=user, at=timezone.now(), seen_version=seen)
            return f"Published now. Readers see it at {story.get_absolute_url()}"
        if verb == "schedule":
            require(user, "explainers.publish_explainer", "You cannot publish explainers.")
            when = parse_local_datetime(request.POST.get("publish_at", ""))
            story = publishing.publish(explainer, by=user, at=when, seen_version=seen)
            when = timezone.localtime(story.published_at)
            return f"Scheduled: readers see it from {when:%-d %B %Y, %H:%M}."
        if verb == "unpublish":
            publishing.unpublish(explainer, by=user, seen_version=seen)
            return "Unpublished: readers no longer see it."
        if verb == "archive":
            publishing.archive(explainer, by=user, seen_version=seen)
            return "Archived: readers no longer see it."
        if verb == "discard":
            publishing.discard_working_copy(explainer, by=user, seen_version=seen)
            return "Unpublished changes discarded; the published version is unchanged."
        if verb == "correct":
            # From the story's form the note's fields are note_kind and note_text (its own
            # "kind" is the story's); the small form of old posts kind and text.
            in_form = "_workflow" in request.POST
            kind = request.POST.get("note_kind" if in_form else "kind", Correction.Kind.CORRECTION)
            if kind not in Correction.Kind.values:
                raise ValidationError("Pick the kind of note: correction, clarification or update.")
            text = request.POST.get("note_text" if in_form else "text", "")
            if not text.strip():
                raise ValidationError("Write the note readers will see before adding it.")
            publishing.add_correction(explainer, kind=kind, text=text, by=user)
            return "Public note added: readers see it at the foot of the story now."
        raise Http404

    @staticmethod
    def has_something_to_publish(explainer) -> bool:
        """A live or scheduled story publishes its working copy's changes; with none, there is
        nothing to do. A draft, or a story taken down, always can be."""
        story = explainer.story
        if not publishing.is_edited_through_a_copy(story):
            return True
        copy = explainer if explainer.is_working_copy else publishing.existing_copy(story)
        if copy is None:
            return False
        return copy.has_changes or publishing.snapshot(copy) != publishing.snapshot(story)

    def delete_model(self, request, obj):
        publishing.delete(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            publishing.delete(obj, by=request.user)

    def _bulk(self, request, queryset, verb, done):
        changed = 0
        for explainer in queryset:
            try:
                with transaction.atomic():
                    getattr(publishing, verb)(explainer, by=request.user)
                changed += 1
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [])) or str(error) or "Not allowed."
                self.message_user(request, f"{explainer}: {text}", messages.ERROR)
        if changed:
            self.message_user(request, f"{done} {changed} explainer(s).", messages.SUCCESS)

    @admin.action(description="Submit selected explainers for review")
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, "submit_for_review", "Submitted")

    @admin.action(description="Publish selected explainers now")
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, "publish", "Published")

    @admin.action(description="Unpublish selected explainers")
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, "unpublish", "Unpublished")

    @admin.action(description="Archive selected explainers")
    def archive_selected(self, request, queryset):
        self._bulk(request, queryset, "archive", "Archived")

    # --- Revisions -----------------------------------------------------------------------------

    def revisions_view(self, request, pk):
        explainer = get_object_or_404(Explainer, pk=pk)
        if not self.has_view_permission(request, explainer):
            raise PermissionDenied
        story = explainer.story
        revisions = story.revisions.select_related("created_by").order_by("-number")
        compare = RevisionCompareForm(request.GET or None)
        diff = None
        if compare.is_valid():
            chosen = Revision.objects.select_related("created_by").filter(explainer=story)
            a = get_object_or_404(chosen, number=compare.cleaned_data["a"])
            b = get_object_or_404(chosen, number=compare.cleaned_data["b"])
            diff = revision_diff(a, b)
        elif request.GET:
            self.message_user(request, "Pick two revisions to compare.", messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Revisions of “{story}”",
            "story": story,
            "editing": explainer,
            "revisions": revisions[:200],
            "diff": diff,
            "compare": compare,
            "can_restore": self.has_change_permission(request, explainer),
        }
        return TemplateResponse(request, "admin/explainers/explainer/revisions.html", context)

    def restore_view(self, request, pk, number):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        explainer = get_object_or_404(Explainer, pk=pk)
        if not self.has_change_permission(request, explainer):
            raise PermissionDenied
        revision = get_object_or_404(Revision, explainer=explainer.story, number=number)
        try:
            target = publishing.restore(revision, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(reverse("admin:explainers_explainer_revisions", args=[explainer.pk]))
        self.message_user(
            request,
            f"Revision {number} restored as unpublished changes. Readers see nothing new until "
            "it is published.",
            messages.SUCCESS,
        )
        return redirect(reverse("admin:explainers_explainer_change", args=[target.pk]))


def change_url(explainer: Explainer) -> str:
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


SECTION_FIELD = re.compile(r"sections-(\d+)-(id|explainer)")


def sections_of(copy: Explainer, data, *, story: Explainer):
    """The story's change form data, aimed at its working copy: each section's id becomes the
    copy's section in the same place, and the parent is the copy."""
    story_sections = story.sections.order_by("position").values_list("pk", flat=True)
    copy_sections = copy.sections.order_by("position").values_list("pk", flat=True)
    same_place = dict(zip(map(str, story_sections), map(str, copy_sections), strict=False))
    data = data.copy()
    for key in list(data):
        match = SECTION_FIELD.fullmatch(key)
        if match and match.group(2) == "explainer":
            data[key] = str(copy.pk)
        elif match and data[key]:
            data[key] = same_place.get(data[key], "")
    return data


# The schedule box takes the day first, as every date in the admin (en-gb): 19/08/2025 07:00.
# ISO (2025-08-19T07:00, what a datetime-local input sends) is accepted too.
SCHEDULE_FORMAT = "dd/mm/yyyy HH:MM, e.g. 19/08/2025 07:00"
DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:,?\s+(\d{1,2})[:.](\d{2}))?")


def parse_local_datetime(text: str):
    """A time typed in the schedule box (the site's time zone), or a message saying what is
    wrong with it: never a 500, whatever was sent."""
    typed = (text or "").strip()
    day_first = DAY_FIRST.fullmatch(typed)
    try:
        if day_first:
            day, month, year, hour, minute = day_first.groups()
            if int(month) > 12 >= int(day):
                raise ValidationError(
                    f"“{typed[:40]}” has the month first; give the day first: {SCHEDULE_FORMAT}."
                )
            date = datetime.date(int(year), int(month), int(day))
            if hour is None:
                raise ValidationError(f"Give the time as well as the day: {SCHEDULE_FORMAT}.")
            value = datetime.datetime.combine(date, datetime.time(int(hour), int(minute)))
        else:
            value = parse_datetime(typed) if typed else None
    except ValueError:  # well formed but impossible: month 13, hour 99
        raise ValidationError(
            f"“{typed[:40]}” is not a real date and time; give it as {SCHEDULE_FORMAT}."
        ) from None
    if value is None:
        raise ValidationError(f"Give the publication time as date and time: {SCHEDULE_FORMAT}.")
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        far_future = value > timezone.now() + publishing.MAX_SCHEDULE_AHEAD
    except (OverflowError, ValueError):
        far_future = True
    if far_future:
        raise ValidationError("Schedule it within the next ten years.")
    if value <= timezone.now():
        raise ValidationError("A scheduled time must be in the future; use Publish now instead.")
    return value


@admin.register(Correction)
class CorrectionAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ["subject", "kind", "published_at", "automatic", "created_by"]
    list_filter = ["kind", "automatic"]
    list_select_related = ["explainer", "quote__speaker", "statistic", "claim", "created_by"]
    search_fields = ["text", "explainer__title"]
    autocomplete_fields = ["explainer", "quote", "statistic", "claim"]
    fieldsets = [
        (
            "On a story, or on a fact (shown on every story showing it)",
            {"fields": ["explainer", "quote", "statistic", "claim"]},
        ),
        (None, {"fields": ["kind", "text", "published_at"]}),
    ]

    def has_add_permission(self, request):
        return request.user.has_perm("explainers.correct_explainer")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("explainers.correct_explainer") and (
            obj is None or not obj.automatic
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "explainer" in form.base_fields:
            form.base_fields["explainer"].queryset = Explainer.objects.stories()
        return form

    def save_model(self, request, obj, form, change):
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name != "base_version"
            }
            published = form.initial.get("published_at")
            if published and obj.published_at == published.replace(microsecond=0):
                # The form shows whole seconds: the stored time was not edited.
                obj.published_at = published
                changes.pop("published_at", None)
            publishing.edit_correction(obj, by=request.user, **changes)
            return
        if obj.explainer_id:
            note = publishing.add_correction(
                obj.explainer, kind=obj.kind, text=obj.text, by=request.user
            )
        else:
            note = publishing.add_fact_note(obj.fact, kind=obj.kind, text=obj.text, by=request.user)
        obj.pk = note.pk

    def delete_model(self, request, obj):
        publishing.delete_correction(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            publishing.delete_correction(obj, by=request.user)
