"""The round trip: the seed's two articles, imported, against the demo stories made of them."""

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal

from ..models import FurniturePattern, Media
from .matching import normal
from .plan import (
    NOT_IN_TEXT,
    SEED_FILE,
    STORIES_FILE,
    ListBlock,
    Plan,
    shorten,
)
from .reading import read_article
from .words import DURATION_LINE, IMAGE_LINE

# --- The round trip: the seed's two articles against the demo stories ---------------------------
# The demo stories (seeds/stories.toml) were structured by hand from seeds/seed.txt. Importing
# the same text should find the same structure and facts; what it cannot find is reported, and
# what the desk wrote that the text does not say (the analysis's headings) is not expected.

SEED_STORIES = [
    # (slug in stories.toml, first and last line of seed.txt)
    ("coalition-of-the-willing-ukraine-peace-plan", 1, 26),
    ("small-boats-50000-crossings-starmer", 27, None),
]
TOKEN_IN_BODY = re.compile(r"\[\[(quote|said|value|statistic|media):([\w-]+)(?:@[\d-]+)?\]\]")


@dataclass
class Tally:
    found: int = 0
    expected: int = 0
    right: int = 0  # found with the right speaker, value and qualifier, or contents

    def __str__(self):
        return f"{self.found}/{self.expected}"


@dataclass
class StoryComparison:
    slug: str
    first_line: int
    last_line: int
    sections: Tally = field(default_factory=Tally)
    lists: Tally = field(default_factory=Tally)
    media: Tally = field(default_factory=Tally)
    furniture: Tally = field(default_factory=Tally)
    quotes: Tally = field(default_factory=Tally)
    figures: Tally = field(default_factory=Tally)
    wrong: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def facts_found_right(self) -> float:
        expected = self.quotes.expected + self.figures.expected
        return (self.quotes.right + self.figures.right) / expected if expected else 1.0

    def report(self) -> str:
        lines = [
            f"{self.slug} (seed lines {self.first_line}–{self.last_line}, read in "
            f"{self.seconds * 1000:.0f} ms)",
            f"  sections {self.sections}, lists {self.lists}, media {self.media}, furniture "
            f"{self.furniture}, quotes {self.quotes} (right speaker {self.quotes.right}), "
            f"figures {self.figures} (right value and qualifier {self.figures.right})",
        ]
        for title, items in (
            ("wrong", self.wrong),
            ("proposed, not in the demo story", self.extra),
            ("not expected", self.notes),
            ("invented", self.invented),
        ):
            lines += [f"  {title}: {item}" for item in items] or [f"  {title}: none"]
        return "\n".join(lines)


def _same(a: str, b: str) -> bool:
    return normal(a).strip(" .") == normal(b).strip(" .")


def seed_round_trip(*, patterns=None) -> list[StoryComparison]:
    """Import each of seed.txt's articles (nothing is written) and compare what was found with
    the demo story stories.toml made of it: sections, lists, media, furniture, quotes with
    their speakers, figures with their qualifiers."""
    seed = SEED_FILE.read_text(encoding="utf-8").split("\n")
    data = tomllib.loads(STORIES_FILE.read_text(encoding="utf-8"))
    people = {row["slug"]: row["name"] for row in data["people"]}
    quotes = {row["slug"]: row for row in data["quotes"]}
    statistics = {row["slug"]: row for row in data["statistics"]}
    media = {row["slug"]: row for row in data["media"]}
    stories = {row["slug"]: row for row in data["explainers"]}
    if patterns is None:
        patterns = list(FurniturePattern.objects.filter(active=True))
    results = []
    for slug, first, last in SEED_STORIES:
        last = last or len(seed)
        story = stories[slug]
        text = "\n".join(seed[first - 1 : last])
        plan = read_article(text, patterns=patterns, match=False)
        if not plan.publisher:  # the desk's record of where it came from, as stories.toml says
            plan = read_article(
                text, patterns=patterns, match=False, publisher=story["original_publisher"]
            )
        result = StoryComparison(slug, first, last, seconds=plan.seconds)
        _compare(plan, story, text, result, people, quotes, statistics, media, offset=first - 1)
        results.append(result)
    return results


def _compare(plan, story, text, result, people, quotes, statistics, media, *, offset) -> None:
    lines = text.split("\n")
    bodies = [section["body"] for section in story["sections"]]
    # Sections: the opening one, and each heading the text has (the desk's own are not expected)
    found_headings = [normal(s.heading) for s in plan.sections]
    for section in story["sections"]:
        heading = section["heading"]
        if heading and not any(_same(heading, line) for line in lines):
            result.notes.append(f"heading “{heading}”: written by the desk, not in the text")
            continue
        result.sections.expected += 1
        if normal(heading) in found_headings:
            result.sections.found += 1
            result.sections.right += 1
        else:
            result.wrong.append(f"section “{heading or 'opening'}” not found")
    expected_headings = {normal(s["heading"]) for s in story["sections"]}
    for section in plan.sections:
        if normal(section.heading) not in expected_headings:
            result.wrong.append(
                f"line {offset + section.heading_line}: “{section.heading}” made a heading"
            )
    # Lists
    found_lists = [
        [normal("".join(p.text for p in pieces)) for _, pieces in block.items]
        for s in plan.sections
        for block in s.blocks
        if isinstance(block, ListBlock)
    ]
    for body in bodies:
        for block in re.findall(r"(?:^(?:\d+\.|-) .*\n?)+", body, re.M):
            items = [
                normal(re.sub(r"^(?:\d+\.|-) ", "", item)) for item in block.strip().split("\n")
            ]
            result.lists.expected += 1
            if items in found_lists:
                result.lists.found += 1
                result.lists.right += 1
            else:
                result.wrong.append(f"list of {len(items)} items not found as it is")
    # Media, quotes and figures, in the order the story places them
    used_quotes, used_figures = set(), set()
    for kind, slug in (m.groups() for body in bodies for m in TOKEN_IN_BODY.finditer(body)):
        if kind == "media":
            row = media[slug]
            result.media.expected += 1
            found = next(
                (
                    m
                    for m in plan.media
                    if m.media_kind == row.get("kind", "image")
                    and (
                        (m.caption, m.credit) == (row.get("caption", ""), row.get("credit", ""))
                        if m.media_kind == Media.Kind.IMAGE
                        else m.title == row.get("title")
                    )
                ),
                None,
            )
            if found is None:
                result.wrong.append(
                    f"{row.get('kind', 'image')} “{row.get('caption') or row.get('title') or row.get('credit')}” not found"
                )
                continue
            result.media.found += 1
            duration = row.get("duration")
            if duration and str(found.duration).zfill(8) != duration:
                result.wrong.append(
                    f"video “{found.title}”: duration {found.duration}, expected {duration}"
                )
            else:
                result.media.right += 1
        elif kind in ("quote", "said"):
            row = quotes[slug]
            result.quotes.expected += 1
            found = next((q for q in plan.quotes if _same(q.text, row["text"].strip())), None)
            if found is None:
                result.wrong.append(f"quote “{shorten(row['text'], 50)}” not found")
                continue
            used_quotes.add(found.key)
            result.quotes.found += 1
            speaker = plan.get(found.speaker).name if found.speaker else None
            if speaker == people[row["speaker"]]:
                result.quotes.right += 1
            else:
                result.wrong.append(
                    f"quote “{shorten(found.text, 40)}”: speaker {speaker or NOT_IN_TEXT}, "
                    f"expected {people[row['speaker']]}"
                )
            if found.block != kind:
                result.notes.append(
                    f"quote “{shorten(found.text, 40)}”: proposed as "
                    f"{'a card' if found.block == 'quote' else 'words in a sentence'}; the demo "
                    f"story has it {'as a card' if kind == 'quote' else 'in a sentence'}"
                )
        elif kind == "value":
            row = statistics[slug]
            value = row["values"][0]
            result.figures.expected += 1
            found = next((f for f in plan.figures if f.value == Decimal(value["value"])), None)
            if found is None:
                result.wrong.append(f"figure {value['value']} ({row['label']}) not found")
                continue
            used_figures.add(found.key)
            result.figures.found += 1
            if found.qualifier == value.get("qualifier", ""):
                result.figures.right += 1
            else:
                result.wrong.append(
                    f"figure {found.written}: qualifier “{found.qualifier}”, expected "
                    f"“{value.get('qualifier', '')}”"
                )
    result.extra += [
        f"quote “{shorten(q.text, 40)}” (line {offset + q.line})"
        for q in plan.quotes
        if q.key not in used_quotes
    ]
    result.extra += [
        f"figure {f.shown} (line {offset + f.line}): {f.label}"
        for f in plan.figures
        if f.key not in used_figures
    ]
    # Furniture: the seed's lines the demo story does not use at all
    used_text = normal(
        " ".join(
            bodies
            + [q["text"] for q in quotes.values()]
            + [s["heading"] for s in story["sections"]]
        )
    )
    used_text = re.sub(r"[^\w ]", "", used_text)
    dropped = {d.line for d in plan.furniture}
    for number, line in enumerate(lines, 1):
        if not line.strip() or IMAGE_LINE.fullmatch(line) or DURATION_LINE.fullmatch(line):
            continue
        if any(m.media_kind == Media.Kind.VIDEO and m.lines[-1] == number for m in plan.media):
            continue
        start = re.sub(r"[^\w ]", "", normal(" ".join(line.split()[:4])))
        if start in used_text:
            if number in dropped:
                result.wrong.append(
                    f"line {offset + number} dropped as furniture: “{shorten(line, 50)}”"
                )
            continue
        result.furniture.expected += 1
        if number in dropped:
            result.furniture.found += 1
            result.furniture.right += 1
        else:
            result.wrong.append(f"line {offset + number} kept: “{shorten(line, 50)}”")
    result.invented = invented(plan, text)


def invented(plan: Plan, text: str) -> list[str]:
    """Anything the plan states that the text does not give: a date whose year the text does
    not have, a source or role whose words are not in it. Should always be empty."""
    problems = []
    plain = normal(text)
    for quote in plan.quotes:
        if quote.said_on and str(quote.said_on.year) not in text:
            problems.append(f"quote in line {quote.line}: date {quote.said_on} is not in the text")
        if quote.role and normal(quote.role).split()[-1].rstrip("s") not in plain:
            problems.append(f"quote in line {quote.line}: role “{quote.role}” is not in the text")
    for figure in plan.figures:
        if figure.period_start and str(figure.period_start.year) not in text:
            problems.append(f"figure in line {figure.line}: period is not in the text")
    for source in plan.sources:
        if not source.of_article and normal(source.publisher) not in plain:
            problems.append(f"source “{source.publisher}” is not in the text")
        if source.of_article and source.publisher != plan.publisher:
            problems.append(f"source “{source.publisher}” is not the article's publisher")
    return problems
