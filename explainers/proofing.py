"""Writing aids beside a story's form: its length, its reading time, and what to look at before
publishing, each with the place it concerns.

``proof`` reads a story as ``previewing.story_from_form`` builds it from the unsaved form
(sections and blocks in memory, facts fetched in one query per kind), so the list follows the
text as it is typed. It refuses nothing: the form's own validation does that. These are the
things an editor should decide about:

- headings out of order (a ``####`` with no ``###`` above it in its section);
- images without alt text (the lead image and every ``[[media:…]]`` image with a file; the
  database refuses an empty one, but not one of spaces), and images typed as Markdown;
- links without text, or whose text says nothing out of context ("here", "read more");
- fact blocks nobody has checked;
- figures typed by hand that a statistic holds ("50,271 people" in prose, where
  ``[[value:small-boat-crossings]]`` would keep it true).
"""

import math
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

from django.urls import reverse

from claims.models import StatisticValue

from .blocks import TOKEN

WORDS_A_MINUTE = 230
# A figure (50,271 or 1.6) is one word.
WORD = re.compile(r"\d[\d,.]*\d|[\w’'-]+")
# 50,271 · £1.6bn · 58% · 1.6 million · 431,000 — not inside a word or another number.
FIGURE = re.compile(
    r"(?<![\w.,£$€])(?P<prefix>[£$€])?(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?"
    r"(?:\s?(?P<unit>%|per cent|bn|billion|m\b|million|k\b|thousand))?(?![\w,]*\d)"
)
SCALES = {
    "bn": Decimal(10**9),
    "billion": Decimal(10**9),
    "m": Decimal(10**6),
    "million": Decimal(10**6),
    "k": Decimal(1000),
    "thousand": Decimal(1000),
}
# Inline code, links' addresses and autolinks are not prose.
NOT_PROSE = re.compile(r"`[^`]*`|\]\([^)]*\)|<https?://[^>]*>|https?://\S+")
EMPTY_LINK = re.compile(r"(?<!!)\[\s*\]\([^)]*\)")
VAGUE_LINK = re.compile(
    r"(?<!!)\[\s*(here|click here|this|link|read more|more|this link|this page)\s*\]\([^)]*\)",
    re.IGNORECASE,
)
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
# A rounded figure ("around 50,000") is taken for a statistic's value within this fraction.
ROUNDING = Decimal("0.05")


@dataclass
class Problem:
    check: str  # heading-order, alt-text, link-text, unchecked, typed-figure
    message: str
    where: str = ""  # "Section 2 (“What is the plan?”)", or the field's label
    field: str = ""  # the form field's id, for a link to it
    find: str = ""  # the text to select in that field
    url: str = ""  # the admin page that fixes it (a fact, a media item)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def words_in_html(html: str) -> int:
    parser = _Text()
    parser.feed(re.sub(r"<!--block:\d+-->", " ", html or ""))
    return len(WORD.findall(" ".join(parser.parts)))


def proof(story, field_ids: list[str]) -> dict:
    """The writing aids for ``story`` (from ``story_from_form``); ``field_ids[i]`` is the id of
    section ``i``'s text box in the form, for links to the place a problem is."""
    sections = list(story.sections.all())
    words = sum(len(WORD.findall(text or "")) for text in (story.title, story.standfirst))
    words += sum(
        len(WORD.findall(section.heading or "")) + words_in_html(section.body_html)
        for section in sections
    )
    problems: list[Problem] = []
    if story.hero_id and story.hero.image and not story.hero.alt_text.strip():
        problems.append(
            Problem(
                "alt-text",
                f"The lead image “{story.hero}” has no alt text: readers who cannot see it "
                "get nothing.",
                where="Lead image",
                field="id_hero",
                url=reverse("admin:explainers_media_change", args=[story.hero_id]),
            )
        )
    placed_statistics = {}
    typed = []
    for index, section in enumerate(sections):
        field = field_ids[index] if index < len(field_ids) else ""
        where = f"Section {index + 1}" + (f" (“{section.heading}”)" if section.heading else "")
        body = section.body or ""
        problems.extend(_headings(body, where, field))
        problems.extend(_links(body, where, field))
        for block in section.blocks.all():
            fact = block.quote or block.statistic or block.claim
            if block.statistic_id:
                placed_statistics[block.statistic_id] = block.statistic
            if fact is not None and not fact.is_checked:
                problems.append(
                    Problem(
                        "unchecked",
                        f"The {fact.token_kind} “{_short(str(fact))}” has never been checked.",
                        where=where,
                        field=field,
                        find=f"{block.kind}:{fact.slug}",
                        url=reverse(f"admin:claims_{fact.token_kind}_change", args=[fact.pk]),
                    )
                )
            media = block.media
            # An image without a file is shown as its caption and credit: nothing to describe.
            if media is not None and media.image and not media.alt_text.strip():
                problems.append(
                    Problem(
                        "alt-text",
                        f"The image “{media}” has no alt text: readers who cannot see it get "
                        "nothing.",
                        where=where,
                        field=field,
                        find=f"media:{media.slug}",
                        url=reverse("admin:explainers_media_change", args=[media.pk]),
                    )
                )
        typed.extend((where, field, figure) for figure in _figures(body))
    problems.extend(_typed_figures(typed, placed_statistics))
    # In reading order: the lead image, then each section's problems where they stand.
    order = {
        field: (index, section.body or "")
        for index, (field, section) in enumerate(zip(field_ids, sections, strict=False))
    }
    problems.sort(
        key=lambda p: (
            order.get(p.field, (-1, ""))[0],
            order.get(p.field, (-1, ""))[1].find(p.find) if p.find else 0,
        )
    )
    # A fact placed twice is one thing to check.
    seen, unique = set(), []
    for problem in problems:
        key = (problem.check, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return {
        "words": words,
        "reading_minutes": max(1, math.ceil(words / WORDS_A_MINUTE)) if words else 0,
        "problems": [asdict(problem) for problem in unique],
    }


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _headings(body: str, where: str, field: str) -> list[Problem]:
    """The section's heading is an h2; inside it ### is the next level, then ####."""
    problems = []
    level = 2
    for match in HEADING.finditer(_without_code(body)):
        depth = len(match.group(1))
        if depth > level + 1:
            problems.append(
                Problem(
                    "heading-order",
                    f"The heading “{_short(match.group(2))}” skips a level: use "
                    f"{'#' * (level + 1)} here, or add the heading it belongs under.",
                    where=where,
                    field=field,
                    find=match.group(0).strip(),
                )
            )
        level = depth
    return problems


def _links(body: str, where: str, field: str) -> list[Problem]:
    prose = _without_code(body)
    problems = [
        Problem(
            "link-text",
            "A link has no text: screen readers announce only its address.",
            where=where,
            field=field,
            find=match.group(0),
        )
        for match in EMPTY_LINK.finditer(prose)
    ]
    problems += [
        Problem(
            "link-text",
            f"A link says only “{match.group(1)}”: say where it leads, so that it makes sense "
            "on its own.",
            where=where,
            field=field,
            find=match.group(0),
        )
        for match in VAGUE_LINK.finditer(prose)
    ]
    problems += [
        Problem(
            "alt-text",
            "An image typed as Markdown is not shown to readers: add it as a media item and "
            "place it with [[media:…]], with its alt text.",
            where=where,
            field=field,
            find=match.group(0),
        )
        for match in MARKDOWN_IMAGE.finditer(prose)
    ]
    return problems


def _without_code(body: str) -> str:
    """The body with fenced code blocks blanked (same length, so positions still hold)."""
    return re.sub(r"```.*?```", lambda m: " " * len(m.group(0)), body, flags=re.DOTALL)


@dataclass
class _Figure:
    text: str
    value: Decimal
    scaled: bool  # written with a unit, a currency or a thousands separator: a real figure


def _figures(body: str) -> list[_Figure]:
    prose = TOKEN.sub(" ", _without_code(body))
    prose = NOT_PROSE.sub(" ", prose)
    figures = []
    for match in FIGURE.finditer(prose):
        digits = match.group("number").replace(",", "") + (match.group("fraction") or "")
        try:
            value = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            continue
        unit = (match.group("unit") or "").lower()
        value *= SCALES.get(unit, 1)
        scaled = bool(unit or match.group("prefix") or "," in match.group("number"))
        if not scaled and (value < 1000 or (1800 <= value <= 2100 and "." not in digits)):
            continue  # small counts, ordinals and years are not figures to source
        figures.append(_Figure(match.group(0).strip(), value, scaled))
    return figures


def _typed_figures(typed, placed_statistics: dict) -> list[Problem]:
    """Each typed figure that a statistic holds: exactly (any statistic, one query), or
    rounded ("around 50,000") when the story already places a statistic near it."""
    if not typed:
        return []
    exact = {}
    rows = (
        StatisticValue.objects.filter(value__in={figure.value for _, _, figure in typed})
        .select_related("statistic")
        .order_by("-as_of", "-pk")
    )
    for row in rows:
        exact.setdefault(row.value, row.statistic)
    problems = []
    for where, field, figure in typed:
        statistic = exact.get(figure.value)
        if statistic is None:
            statistic = _near(figure, placed_statistics)
        if statistic is None:
            continue
        # The story's own statistic has its values loaded; another is only named.
        statistic = placed_statistics.get(statistic.pk, statistic)
        current = statistic.current if statistic.pk in placed_statistics else None
        shown = f" (now {statistic.format(current.value)})" if current else ""
        problems.append(
            Problem(
                "typed-figure",
                f"“{figure.text}” is typed by hand, but the statistic “{statistic.label}”"
                f"{shown} holds it: use [[value:{statistic.slug}]] so that it stays sourced "
                "and up to date.",
                where=where,
                field=field,
                find=figure.text,
                url=reverse("admin:claims_statistic_change", args=[statistic.pk]),
            )
        )
    return problems


def _near(figure: _Figure, statistics: dict):
    """A statistic the story places whose value the typed figure rounds."""
    if not figure.scaled:
        return None
    for statistic in statistics.values():
        for value in statistic.values.all():
            if value.value and abs(figure.value - value.value) <= abs(value.value) * ROUNDING:
                return statistic
    return None
