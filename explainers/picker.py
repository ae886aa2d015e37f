"""The block picker's search: the tokens an editor can insert for a few typed words."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from claims import publishing as fact_publishing
from claims.models import (
    VALUES_WITH_SOURCES,
    Claim,
    ClaimSource,
    DatePrecision,
    Medium,
    Person,
    PersonRole,
    Quote,
    Rating,
    Source,
    Statistic,
    parse_figure,
)
from claims.slugs import short_slug
from newsroom.core import workflow

from .models import Media

PICKER_LIMIT = 8


def search_blocks(term: str, user=None) -> list[dict]:
    """Select2 groups of tokens for quotes, statistics, claims and media matching ``term`` (in
    their words, label, speaker, claimant or source's publisher), then, for someone who may,
    "New quote…", "New statistic…" and "New claim…"."""
    groups = []

    quotes = Quote.objects.select_related("speaker")
    if term:
        quotes = quotes.filter(
            Q(text__icontains=term)
            | Q(speaker__name__icontains=term)
            | Q(source__publisher__icontains=term)
            | Q(slug__icontains=term)
        )
    options = []
    for quote in quotes[:PICKER_LIMIT]:
        options.append((f"[[quote:{quote.slug}]]", f"Quote card · {quote}"))
        options.append((f"[[said:{quote.slug}]]", f"Quoted words in a sentence · {quote}"))
    groups.append(("Quotes", options))

    statistics = Statistic.objects.select_related("source").prefetch_related(VALUES_WITH_SOURCES)
    if term:
        statistics = statistics.filter(
            Q(label__icontains=term)
            | Q(source__publisher__icontains=term)
            | Q(values__source__publisher__icontains=term)
            | Q(slug__icontains=term)
        ).distinct()
    options = []
    for stat in statistics[:PICKER_LIMIT]:
        current = stat.current
        shown = current.display if current else "no value yet"
        options.append((f"[[statistic:{stat.slug}]]", f"Statistic card · {stat.label} · {shown}"))
        options.append((f"[[value:{stat.slug}]]", f"Value in a sentence · {shown} · {stat.label}"))
        if current:
            day = current.sort_date
            options.append(
                (
                    f"[[statistic:{stat.slug}@{day.isoformat()}]]",
                    f"Statistic card pinned to {day:%-d %b %Y} · {stat.label} · {shown}",
                )
            )
    groups.append(("Statistics", options))

    claims = Claim.objects.select_related("rating", "claimant")
    if term:
        claims = claims.filter(
            Q(text__icontains=term)
            | Q(claimant__name__icontains=term)
            | Q(claimant_name__icontains=term)
            | Q(slug__icontains=term)
        )
    groups.append(
        (
            "Claims",
            [
                (f"[[claim:{c.slug}]]", f"Claim card · {c} · {c.rating}")
                for c in claims[:PICKER_LIMIT]
            ],
        )
    )

    media = Media.objects.all()
    if term:
        media = media.filter(
            Q(title__icontains=term) | Q(caption__icontains=term) | Q(slug__icontains=term)
        )
    groups.append(("Media", [(f"[[media:{m.slug}]]", str(m)) for m in media[:PICKER_LIMIT]]))

    if user is not None:
        quoted = f" “{term[:60]}”" if term else ""
        create = [
            (f"new:{kind}", f"New {kind}{quoted}…")
            for kind in NEW_FACT_FORMS
            if can_create(user, kind)
        ]
        groups.append(("Not there? Create it", create))

    return [
        {"text": label, "children": [{"id": token, "text": text} for token, text in options]}
        for label, options in groups
        if options
    ]


# --- New facts from the picker ------------------------------------------------------------------
# When a search finds nothing (or the editor wants something new), "New quote…", "New
# statistic…" and "New claim…" open a small form beside the text; saving it creates the fact
# through the facts app's own verbs, unchecked, and inserts its token at the cursor.


def _autocomplete(model, field_name):
    from django.contrib import admin
    from django.contrib.admin.widgets import AutocompleteSelect

    return AutocompleteSelect(model._meta.get_field(field_name), admin.site)


class SourceChoice(forms.Form):
    """A source picked from the list, or a new one described."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:  # a picked record is an id: anything else is no pick at all
            data = data.copy()
            for name in ("source", "speaker"):
                if not str(data.get(name, "")).isdigit():
                    data[name] = ""
        super().__init__(data, *args, **kwargs)

    source = forms.ModelChoiceField(
        Source.objects.all(), required=False, widget=_autocomplete(Quote, "source")
    )
    new_source_publisher = forms.CharField(
        label="or a new source: publisher", max_length=200, required=False
    )
    new_source_title = forms.CharField(label="its title", max_length=300, required=False)
    new_source_kind = forms.ChoiceField(
        label="kind", choices=[("", "—"), *Source.Kind.choices], required=False
    )
    new_source_url = forms.URLField(
        label="link (if there is one)", max_length=500, required=False, assume_scheme="https"
    )
    source_required = True

    def clean(self):
        cleaned = super().clean()
        new = [cleaned.get(f"new_source_{name}") for name in ("publisher", "title", "kind")]
        if cleaned.get("source") and any(new):
            self.add_error("source", "Pick a source or describe a new one, not both.")
        elif any(new) and not all(new):
            self.add_error("source", "A new source needs its publisher, title and kind.")
        elif self.source_required and not cleaned.get("source") and not any(new):
            self.add_error(
                "source", "Say where it comes from: pick a source, or describe a new one."
            )
        return cleaned

    def make_source(self, by) -> Source | None:
        cleaned = self.cleaned_data
        if cleaned.get("source") or not cleaned.get("new_source_publisher"):
            return cleaned.get("source")
        source = Source(
            publisher=cleaned["new_source_publisher"],
            title=cleaned["new_source_title"],
            kind=cleaned["new_source_kind"],
            url=cleaned.get("new_source_url", ""),
            slug=short_slug(
                cleaned["new_source_publisher"], cleaned["new_source_title"], model=Source
            ),
        )
        source.full_clean()
        workflow.save(source, by=by, created=True)
        return source


class NewQuoteForm(SourceChoice):
    text = forms.CharField(label="The words, verbatim", widget=forms.Textarea(attrs={"rows": 3}))
    is_partial = forms.BooleanField(label="Only part of what was said", required=False)
    speaker = forms.ModelChoiceField(
        Person.objects.all(), required=False, widget=_autocomplete(Quote, "speaker")
    )
    new_speaker_name = forms.CharField(
        label="or a new person: name", max_length=200, required=False
    )
    new_speaker_role = forms.CharField(
        label="their role when they said it (if the source gives it)",
        max_length=200,
        required=False,
    )
    said_on = forms.DateField(label="Said on (leave empty if not given)", required=False)
    said_on_precision = forms.ChoiceField(choices=DatePrecision.choices, initial="day")
    medium = forms.ChoiceField(label="How", choices=[("", "—"), *Medium.choices], required=False)
    context = forms.CharField(max_length=200, required=False)
    field_order = [
        "text", "is_partial", "speaker", "new_speaker_name", "new_speaker_role", "said_on",
        "said_on_precision", "medium", "context", "source", "new_source_publisher",
        "new_source_title", "new_source_kind", "new_source_url",
    ]  # fmt: skip
    kind = "quote"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("text", "").strip():
            self.add_error("text", "Write the words that were said.")
        if cleaned.get("speaker") and cleaned.get("new_speaker_name"):
            self.add_error("speaker", "Pick a person or name a new one, not both.")
        elif not cleaned.get("speaker") and not cleaned.get("new_speaker_name", "").strip():
            self.add_error("speaker", "Say who said it: pick a person, or name a new one.")
        return cleaned

    def save(self, by) -> Quote:
        cleaned = self.cleaned_data
        speaker = cleaned.get("speaker")
        role = None
        if speaker is None:
            name = cleaned["new_speaker_name"].strip()
            speaker = Person(
                name=name,
                role=cleaned.get("new_speaker_role", ""),
                slug=short_slug(name, model=Person),
            )
            workflow.save(speaker, by=by, created=True)
        if cleaned.get("new_speaker_role"):
            role = PersonRole(person=speaker, title=cleaned["new_speaker_role"])
            workflow.save(role, by=by, created=True)  # audited, like the person
        quote = Quote(
            text=cleaned["text"].strip(),
            is_partial=cleaned.get("is_partial", False),
            speaker=speaker,
            role=role,
            said_on=cleaned.get("said_on"),
            said_on_precision=cleaned.get("said_on_precision") or "day",
            medium=cleaned.get("medium", ""),
            context=cleaned.get("context", ""),
            source=self.make_source(by),
            slug=short_slug(speaker.name, cleaned["text"], model=Quote),
        )
        quote.full_clean()
        return fact_publishing.save_fact(quote, by=by, created=True)


class NewStatisticForm(SourceChoice):
    label = forms.CharField(label="What is counted", max_length=200)
    value = forms.CharField(label="Value, as the source gives it (e.g. 50,271 or 1.6bn)")
    qualifier = forms.CharField(
        label="Qualifier, as the source gives it (around, more than…)",
        max_length=30,
        required=False,
    )
    as_of = forms.DateField(label="As of (leave empty if not given)", required=False)
    unit = forms.CharField(label="Unit (people, missiles…)", max_length=60, required=False)
    prefix = forms.CharField(label="Prefix (£, $…)", max_length=8, required=False)
    field_order = [
        "label", "value", "qualifier", "as_of", "unit", "prefix", "source",
        "new_source_publisher", "new_source_title", "new_source_kind", "new_source_url",
    ]  # fmt: skip
    kind = "statistic"

    CURRENCIES = "£$€"

    def clean_value(self):
        try:  # as the source gives it: "50,271", "1.6bn", "£1.6bn" (the sign is the prefix)
            return parse_figure(
                self.cleaned_data["value"].strip().lstrip(self.CURRENCIES), scaled=True
            )
        except ValueError:
            raise ValidationError("Write a number, e.g. 50,271, 431000 or 1.6bn.") from None

    def clean(self):
        cleaned = super().clean()
        sign = self.data.get("value", "").strip()[:1]
        if sign and sign in self.CURRENCIES:
            if cleaned.get("prefix") and cleaned["prefix"] != sign:
                self.add_error("prefix", f"The value is in {sign}; the prefix says otherwise.")
            else:
                cleaned["prefix"] = sign  # readers see £700m, not 700m
        return cleaned

    def save(self, by) -> Statistic:
        cleaned = self.cleaned_data
        source = self.make_source(by)
        statistic = Statistic(
            label=cleaned["label"],
            unit=cleaned.get("unit", ""),
            prefix=cleaned.get("prefix", ""),
            source=source,
            slug=short_slug(cleaned["label"], model=Statistic),
        )
        statistic.full_clean()
        fact_publishing.save_fact(statistic, by=by, created=True)
        fact_publishing.add_value(
            statistic,
            value=cleaned["value"],
            as_of=cleaned.get("as_of"),
            qualifier=cleaned.get("qualifier", ""),
            by=by,
        )
        return statistic


class NewClaimForm(SourceChoice):
    text = forms.CharField(
        label="What was claimed, in one sentence", widget=forms.Textarea(attrs={"rows": 2})
    )
    claimant_name = forms.CharField(label="Who claimed it", max_length=200)
    rating = forms.ModelChoiceField(Rating.objects.all())
    explanation = forms.CharField(
        label="Why it has this rating", widget=forms.Textarea(attrs={"rows": 2})
    )
    verdict_by = forms.CharField(
        label="Verdict by (leave empty when it is our fact-checkers')",
        max_length=200,
        required=False,
    )
    field_order = [
        "text", "claimant_name", "rating", "explanation", "verdict_by", "source",
        "new_source_publisher", "new_source_title", "new_source_kind", "new_source_url",
    ]  # fmt: skip
    kind = "claim"

    def save(self, by) -> Claim:
        cleaned = self.cleaned_data
        evidence = self.make_source(by)
        claim = Claim(
            text=cleaned["text"].strip(),
            claimant_name=cleaned["claimant_name"],
            rating=cleaned["rating"],
            explanation=cleaned["explanation"],
            verdict_by=cleaned.get("verdict_by", ""),
            verdict_source=evidence if cleaned.get("verdict_by") else None,
            slug=short_slug(cleaned["text"], model=Claim),
        )
        problem = claim.evidence_problem([evidence])
        if problem:
            raise ValidationError(problem)
        claim.full_clean()
        fact_publishing.save_fact(claim, by=by, created=True)
        if evidence is not None:
            ClaimSource.objects.create(claim=claim, source=evidence)
        return claim


NEW_FACT_FORMS = {"quote": NewQuoteForm, "statistic": NewStatisticForm, "claim": NewClaimForm}


def can_create(user, kind: str) -> bool:
    needed = [f"claims.add_{kind}"]
    if kind == "claim":
        needed.append("claims.rate_claim")
    return user.has_perms(needed)
