"""Creating the draft: the workflow verb that writes what the editor accepted, in one
transaction, through the facts' and stories' own verbs."""

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from claims import publishing as fact_publishing
from claims.models import (
    VALUES_WITH_SOURCES,
    Person,
    PersonRole,
    Quote,
    Source,
    Statistic,
)
from claims.slugs import short_slug
from newsroom.core import workflow

from .. import publishing
from ..models import Explainer, Media
from .matching import normal
from .plan import (
    MediaBlock,
    Paragraph,
    Piece,
    Plan,
    QuoteProposal,
    SectionPlan,
)

# --- The draft's text ----------------------------------------------------------------------------

MD_START = re.compile(r"^(\s*)(#|>|[-+*](?=\s)|\d{1,9}[.)](?=\s))")


def _escape(text: str, *, at_start: bool) -> str:
    """Imported words as Markdown that shows them as written: a “*”, a “1.” or a “#” at the
    start of a line, or a “[[” pasted from elsewhere, stays text (no forged block token)."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([*_`])", r"\\\1", text)
    text = text.replace("[[", "\\[\\[")
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index or at_start:
            lines[index] = MD_START.sub(lambda m: m[1] + "\\" + m[2], line)
    return "\n".join(lines)


def _render(plan: Plan, pieces: list[Piece], tokens: dict[str, str | None]) -> str:
    out = ""
    for piece in pieces:
        token = tokens.get(piece.key) if piece.key else None
        if token is None:
            out += _escape(piece.text, at_start=not out)
            continue
        proposal = plan.get(piece.key)
        if isinstance(proposal, QuoteProposal) and proposal.block == "quote":
            lead = out.rstrip()
            return f"{lead}\n\n{token}" if lead else token
        out += token + getattr(proposal, "trailing", "")
    return out


def section_body(plan: Plan, section: SectionPlan, tokens: dict[str, str | None]) -> str:
    """A section's Markdown with each accepted proposal's token in place of its words
    (``tokens``: key → token; a proposal left as text is absent or None)."""
    parts = []
    for block in section.blocks:
        if isinstance(block, MediaBlock):
            if tokens.get(block.key):
                parts.append(tokens[block.key])
        elif isinstance(block, Paragraph):
            parts.append(_render(plan, block.pieces, tokens))
        else:
            parts.append(
                "\n".join(
                    f"{marker} {_render(plan, pieces, tokens)}" for marker, pieces in block.items
                )
            )
    return "\n\n".join(part for part in parts if part.strip())


# --- Creating the draft (the workflow verb) ------------------------------------------------------


@dataclass
class ImportResult:
    explainer: Explainer
    created: Counter = field(default_factory=Counter)  # "quotes": 3, …
    used: Counter = field(default_factory=Counter)  # existing records used
    left_as_text: list[str] = field(default_factory=list)  # proposal keys
    seconds: float = 0.0

    def __str__(self):
        made = ", ".join(f"{n} {what}" for what, n in self.created.items() if n) or "nothing new"
        used = ", ".join(f"{n} {what}" for what, n in self.used.items() if n) or "nothing"
        left = len(self.left_as_text)
        return (
            f"Draft “{self.explainer.title}” created with {len(self.explainer.sections.all())} "
            f"section(s). Created: {made}. Used existing: {used}. Left as text: {left}."
        )


def _checked_choices(plan: Plan, choices: dict | None) -> dict[str, str]:
    """Every proposal's choice, the defaults filled in; refused if one names a record the
    proposal was not matched to, or cannot be made (a quote nobody said)."""
    decided = plan.default_choices()
    for key, value in (choices or {}).items():
        proposal = plan.get(key)
        if proposal is None:
            continue
        allowed = {option for option, _ in plan.options(proposal)}
        if value not in allowed:
            raise ValidationError(
                f"The choice for {proposal.kind} {key} is no longer offered (a record it "
                "matched changed meanwhile, or it cannot be made): review the text again."
            )
        decided[key] = value
    return decided


def _existing(value: str) -> int | None:
    return int(value.split(":", 1)[1]) if value.startswith("existing:") else None


def _unique_story_slug(title: str) -> str:
    base = slugify(title)[:180].strip("-") or "imported-story"
    taken = set(
        Explainer.objects.stories().filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_draft(
    plan: Plan,
    *,
    by,
    choices: dict[str, str] | None = None,
    title: str = "",
    standfirst: str = "",
    kind: str = Explainer.Kind.EXPLAINER,
    speakers: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> ImportResult:
    """Create the draft story ``plan`` describes, and the facts ``choices`` accept, in one
    transaction: a refusal anywhere (a permission, a bad token, a record changed meanwhile)
    saves nothing.

    ``choices``: proposal key → "existing:<pk>", "new" or "text" (the defaults where absent);
    ``speakers``: a name typed for a quote the text names no speaker for; ``labels``: what a new
    statistic counts, as the editor corrected it. New facts are unchecked, and carry a date
    only where the text gives one.
    """
    started = time.perf_counter()
    workflow.require(by, "explainers.add_explainer", "You cannot add explainers.")
    decided = _checked_choices(plan, choices)
    speakers = {k: " ".join(v.split())[:200] for k, v in (speakers or {}).items() if v.strip()}
    labels = {k: " ".join(v.split())[:200] for k, v in (labels or {}).items() if v.strip()}
    result = ImportResult(explainer=None)
    made: dict[str, object] = {}
    tokens: dict[str, str | None] = {}

    def person(key: str) -> Person:
        if key not in made:
            proposal = plan.get(key)
            pk = _existing(decided[key])
            if pk is not None:
                made[key] = Person.objects.get(pk=pk)
                result.used["people"] += 1
            else:
                made[key] = _new_person(proposal.name, proposal.role, proposal.affiliation, by)
                result.created["people"] += 1
        return made[key]

    def typed_person(name: str) -> Person:
        key = f"typed:{name.lower()}"
        if key not in made:
            existing = Person.objects.filter(name__iexact=name).first()
            made[key] = existing or _new_person(name, "", "", by)
            result.created["people"] += existing is None
            result.used["people"] += existing is not None
        return made[key]

    def source(key: str | None) -> Source | None:
        if key is None:
            return None
        if key not in made:
            proposal = plan.get(key)
            pk = _existing(decided[key])
            if pk is not None:
                made[key] = Source.objects.get(pk=pk)
                result.used["sources"] += 1
            else:
                new = Source(
                    publisher=proposal.publisher,
                    title=proposal.title,
                    kind=proposal.kind,
                    url=proposal.url,
                    author=proposal.author,
                    slug=short_slug(proposal.publisher, proposal.title, model=Source),
                )
                new.full_clean()
                made[key] = workflow.save(new, by=by, created=True)
                result.created["sources"] += 1
        return made[key]

    for proposal in plan.quotes:
        choice = decided[proposal.key]
        typed = speakers.get(proposal.key)
        if choice == "text" and not typed:
            result.left_as_text.append(proposal.key)
            continue
        pk = _existing(choice)
        if pk is not None:
            quote = Quote.objects.get(pk=pk)
            result.used["quotes"] += 1
        else:
            speaker = (
                person(proposal.speaker) if proposal.speaker and not typed else typed_person(typed)
            )
            signature = ("quote", speaker.pk, normal(proposal.text))
            if signature in made:  # the same words quoted twice
                quote = made[signature]
            else:
                role = None
                if proposal.role and not typed:
                    used = plan.get(proposal.speaker).name_as_used if proposal.speaker else ""
                    role = _role_of(speaker, proposal.role, used, by)
                quote = Quote(
                    text=proposal.text,
                    is_partial=proposal.is_partial,
                    speaker=speaker,
                    role=role,
                    said_on=proposal.said_on,
                    said_on_precision=proposal.said_on_precision,
                    medium=proposal.medium,
                    context=proposal.context[:300],
                    source=source(proposal.source),
                    slug=short_slug(speaker.name, proposal.text, model=Quote),
                )
                quote.full_clean()
                made[signature] = fact_publishing.save_fact(quote, by=by, created=True)
                result.created["quotes"] += 1
        tokens[proposal.key] = f"[[{proposal.block}:{quote.slug}]]"

    for proposal in plan.figures:
        choice = decided[proposal.key]
        if choice == "text":
            result.left_as_text.append(proposal.key)
            continue
        pk = _existing(choice)
        if pk is not None:
            statistic = Statistic.objects.prefetch_related(VALUES_WITH_SOURCES).get(pk=pk)
            result.used["statistics"] += 1
            tokens[proposal.key] = _value_token(statistic, proposal.value)
            continue
        label = labels.get(proposal.key) or proposal.label
        signature = ("figure", label.lower(), proposal.value, proposal.source)
        if signature in made:
            statistic = made[signature]
        else:
            statistic = Statistic(
                label=label,
                unit=proposal.unit,
                prefix=proposal.prefix,
                display=proposal.display,
                source=source(proposal.source),
                slug=short_slug(label, model=Statistic),
            )
            statistic.full_clean()
            made[signature] = fact_publishing.save_fact(statistic, by=by, created=True)
            fact_publishing.add_value(
                statistic,
                value=proposal.value,
                qualifier=proposal.qualifier,
                period_start=proposal.period_start,
                period_end=proposal.period_end,
                by=by,
            )
            result.created["statistics"] += 1
        tokens[proposal.key] = f"[[value:{statistic.slug}]]"

    for proposal in plan.media:
        choice = decided[proposal.key]
        if choice == "text":
            result.left_as_text.append(proposal.key)
            continue
        pk = _existing(choice)
        if pk is not None:
            item = Media.objects.get(pk=pk)
            result.used["media"] += 1
        else:
            item = Media(
                kind=proposal.media_kind,
                title=proposal.title,
                caption=proposal.caption,
                credit=proposal.credit,
                duration=proposal.duration,
                slug=short_slug(
                    proposal.caption
                    or proposal.title
                    or f"{proposal.media_kind} {proposal.credit}",
                    model=Media,
                ),
            )
            item.full_clean()
            workflow.save(item, by=by, created=True)
            result.created["media"] += 1
        tokens[proposal.key] = f"[[media:{item.slug}]]"

    title = " ".join((title or plan.headline_or_stand_in).split())[:200]
    story = Explainer(
        title=title,
        slug=_unique_story_slug(title),
        kind=kind,
        standfirst=(standfirst or plan.standfirst_or_stand_in).strip(),
        status=Explainer.Status.DRAFT,
        original_publisher=plan.publisher[:200],
        original_url=plan.url,
    )
    story.full_clean()
    story.save()
    sections = []
    for position, section in enumerate(plan.sections, start=1):
        try:
            sections.append(
                publishing.SectionText.compile(
                    section.heading[:200], section_body(plan, section, tokens)
                )
            )
        except ValidationError as error:
            raise ValidationError(
                [f"Section {position}: {message}" for message in error.messages]
            ) from error
    publishing.write_sections(story, sections)
    publishing.record_edit(story, by=by, created=True)
    result.explainer = story
    result.seconds = time.perf_counter() - started
    return result


def _new_person(name: str, role: str, affiliation: str, by) -> Person:
    person = Person(
        name=name, role=role, affiliation=affiliation, slug=short_slug(name, model=Person)
    )
    person.full_clean()
    return workflow.save(person, by=by, created=True)


def _role_of(person: Person, title: str, name_as_used: str, by) -> PersonRole:
    """The speaker's role as the text gives it: one they have on record, else a new one."""
    role = person.roles.filter(title__iexact=title).first()
    if role is None:
        role = PersonRole(
            person=person,
            title=title[:200],
            organisation=person.affiliation if person.affiliation else "",
            name_as_used=name_as_used[:200],
        )
        role.full_clean()
        workflow.save(role, by=by, created=True)
    return role


def _value_token(statistic: Statistic, value: Decimal) -> str:
    """An existing statistic's token: pinned to the matching value when that is not its
    current one, so the sentence keeps the figure it was written with."""
    current = statistic.current
    if current is not None and current.value == value:
        return f"[[value:{statistic.slug}]]"
    same = next((v for v in statistic.history if v.value == value and v.as_of), None)
    if same is not None:
        return f"[[value:{statistic.slug}@{same.as_of.isoformat()}]]"
    return f"[[value:{statistic.slug}]]"
