"""The story as readers would see it, built from an unsaved change form: nothing is written.

The admin's Preview button and the live preview beside the form post the form here. The story
is loaded as its public page loads it, the form's fields laid over it, and its sections and
blocks made in memory from the form's text, with every fact the text names fetched in one query
per kind (``known_blocks``). The public template then renders it: same template, same cards.
A section whose text has a bad token is shown with its errors where the section stands.
"""

import re
from collections import defaultdict
from collections.abc import Iterable

from claims.models import Claim, Quote, Statistic

from .blocks import TARGETS, TOKEN
from .models import Explainer, Section, SectionBlock


def known_blocks(bodies: Iterable[str]) -> dict:
    """Every fact block and media item the bodies' tokens name, in the shape the cards render
    (``for_cards``): one query per kind, however many sections and tokens. For
    ``blocks.compile_body(known=…)``; a slug not found stays unknown and is reported."""
    slugs: dict[type, set[str]] = defaultdict(set)
    for body in bodies:
        for match in TOKEN.finditer(body or ""):
            model = TARGETS.get(match.group(1).lower())
            if model is not None and match.group(2):
                slugs[model].add(match.group(2))
    known = {}
    for model, names in slugs.items():
        queryset = model.objects.filter(slug__in=names)
        if model in (Quote, Statistic, Claim):
            queryset = queryset.for_cards()
        known[model] = {obj.slug: obj for obj in queryset}
    return known


def bodies_in(data, prefix: str) -> list[str]:
    """The section texts in posted form data (``sections-0-body`` …), before validation."""
    pattern = re.compile(rf"{re.escape(prefix)}-\d+-body")
    return [value for key, value in data.items() if pattern.fullmatch(key)]


def _cached(model, items) -> "object":
    """A queryset that is already evaluated: what a prefetch leaves on a related manager."""
    queryset = model._default_manager.all()
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    return queryset


SCALARS = [
    "title", "slug", "kind", "standfirst", "figures", "seo_title", "seo_description",
    "original_publisher", "original_url", "original_published_on", "licence",
]  # fmt: skip


def story_from_form(obj: Explainer, form, section_forms) -> Explainer:
    """``obj`` as the form would leave it, in memory. Fields the form refused keep their stored
    value (the errors are listed above the preview); ``section_forms`` are the kept section
    forms in the editor's order, each with ``compiled`` or its errors."""
    story = Explainer.objects.for_public_detail().get(pk=obj.pk)
    cleaned = getattr(form, "cleaned_data", {})
    for name in SCALARS:
        if name in cleaned and name not in form.errors:
            setattr(story, name, cleaned[name])
    if "hero" in cleaned and "hero" not in form.errors:
        story.hero = cleaned["hero"]
    cache = story._prefetched_objects_cache
    for name, model in (("authors", story.authors.model), ("topics", story.topics.model)):
        if name in cleaned and name not in form.errors:
            cache[name] = _cached(model, cleaned[name])
    sections = []
    for position, section_form in enumerate(section_forms, start=1):
        data = getattr(section_form, "cleaned_data", {})
        heading = data.get("heading", section_form["heading"].value() or "")
        compiled = section_form.compiled
        section = Section(
            pk=-position,  # never saved; a related manager wants a key to read its cache
            explainer=story,
            position=position,
            heading=heading,
            body=data.get("body", section_form["body"].value() or ""),
            body_html=compiled.html if compiled else "",
        )
        section.preview_errors = [
            error for errors in section_form.errors.values() for error in errors
        ]
        blocks = (
            [
                SectionBlock(section=section, position=index, **fields)
                for index, fields in compiled.blocks
            ]
            if compiled
            else []
        )
        section._prefetched_objects_cache = {"blocks": _cached(SectionBlock, blocks)}
        sections.append(section)
    cache["sections"] = _cached(Section, sections)
    story.preview_errors = [
        f"{form.fields[name].label if name in form.fields else 'The story'}: {error}"
        for name, errors in form.errors.items()
        for error in errors
        if name != "__all__"
    ] + list(form.non_field_errors())
    return story
