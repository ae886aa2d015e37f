"""The demo stories show only what their text says.

Every date, source, role, qualifier and verdict that a demo story or one of its fact pages shows
must be in ``stories.toml`` on a line whose comment points at the seed line it comes from
(``# seed 28: "words on that line"``), and those words must be on that line of ``seed.txt``.
The one thing the text cannot say, who published the analysis, is marked ``# desk:``. Nothing
is shown as checked unless a named fact-checker checked it.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from claims.models import Claim, Quote, Source, Statistic
from explainers.models import Explainer, SectionBlock
from explainers.seeding import load_stories

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "explainers" / "seeds"
SEED_LINES = (SEEDS / "seed.txt").read_text(encoding="utf-8").splitlines()
KEY_LINE = re.compile(r"^(?P<key>\w+)\s*=\s*(?P<value>.*?)\s*(?:#\s*(?P<comment>.*))?$")
SEED_COMMENT = re.compile(r'^seed (?P<line>\d+): "(?P<words>.+)"$')
# What the text cannot say and the desk's record can: who published the analysis.
DESK_KEYS = {
    ("explainers", "authors"),
    ("explainers", "original_publisher"),
    ("sources", "publisher"),
}


@dataclass
class Entry:
    table: str
    line: int
    keys: dict = field(default_factory=dict)  # key -> (raw value, comment or "")
    children: list = field(default_factory=list)

    def get(self, key: str) -> str:
        return self.keys.get(key, ("", ""))[0].strip().strip('"')

    def comment(self, key: str) -> str:
        return self.keys.get(key, ("", ""))[1]


def parse_entries() -> dict[str, dict[str, Entry]]:
    """stories.toml's tables by name and slug, each key with its comment (tomllib drops them)."""
    tables: dict[str, dict[str, Entry]] = {}
    current = parent = None
    in_string = False
    for number, line in enumerate(
        (SEEDS / "stories.toml").read_text(encoding="utf-8").splitlines(), 1
    ):
        if line.count("'''") % 2:
            in_string = not in_string
            continue
        if in_string or not line.strip() or line.startswith("#"):
            continue
        if header := re.fullmatch(r"\[\[([\w.]+)\]\]", line.strip()):
            name = header.group(1)
            current = Entry(name, number)
            if "." in name:
                parent.children.append(current)
            else:
                parent = current
            continue
        match = KEY_LINE.match(line)
        assert match, f"stories.toml line {number} is not a key = value line"
        current.keys[match["key"]] = (match["value"], (match["comment"] or "").strip())
        if match["key"] == "slug" and current is parent:
            tables.setdefault(current.table, {})[current.get("slug")] = current
    return tables


ENTRIES = parse_entries()


def assert_known(entry: Entry, key: str, what: str) -> None:
    """``key`` of ``entry`` has a comment naming the seed line (or, where allowed, the desk)."""
    comment = entry.comment(key)
    assert comment, f"{what}: “{key}” is shown but stories.toml gives no seed line for it"
    if comment.startswith("desk:"):
        assert (entry.table, key) in DESK_KEYS, f"{what}: only the publisher may come from the desk"
        return
    assert SEED_COMMENT.match(comment), f"{what}: “{key}” has a comment that names no seed line"


def test_every_seed_comment_quotes_words_on_that_line():
    checked = 0
    for line_number, line in enumerate(
        (SEEDS / "stories.toml").read_text(encoding="utf-8").splitlines(), 1
    ):
        if line.startswith("#"):
            continue  # the file's own explanation, with an example
        for match in re.finditer(r'# seed (\d+): "([^"]+)"', line):
            seed_line, words = int(match[1]), match[2]
            assert 1 <= seed_line <= len(SEED_LINES), (
                f"line {line_number}: no seed line {seed_line}"
            )
            assert words in SEED_LINES[seed_line - 1], (
                f"stories.toml line {line_number}: seed line {seed_line} does not say “{words}”"
            )
            checked += 1
    assert checked > 60


def test_every_quote_is_the_sources_words_character_for_character():
    """Verbatim means verbatim: each paragraph of a quote stands in the source text as it is,
    punctuation included (a full stop the writer put outside the quotation mark stays out)."""
    import tomllib

    source = "\n".join(SEED_LINES)
    quotes = tomllib.loads((SEEDS / "stories.toml").read_text(encoding="utf-8"))["quotes"]
    for quote in quotes:
        for paragraph in quote["text"].split("\n\n"):
            assert paragraph.strip() in source, f"quote {quote['slug']}: not the source's words"
    assert len(quotes) >= 9


@pytest.fixture
def demo(db):
    load_stories()
    return list(Explainer.objects.published().order_by("slug"))


def source_shown(source: Source, what: str) -> None:
    entry = ENTRIES["sources"][source.slug]
    assert_known(entry, "publisher", f"source {source.slug}")
    for key in ("author", "url", "published_on", "archive_url"):
        if getattr(source, key):
            assert_known(entry, key, f"source {source.slug} (shown by {what})")


def statistic_shown(block: SectionBlock) -> None:
    statistic, value = block.statistic, block.shown_value
    entry, what = ENTRIES["statistics"][statistic.slug], f"statistic {statistic.slug}"
    [value_entry] = [
        child for child in entry.children if Decimal(child.get("value")) == value.value
    ]
    assert_known(value_entry, "value", what)
    assert value.qualifier == value_entry.get("qualifier")
    for key in ("qualifier", "as_of", "period_start", "period_end"):
        if getattr(value, key):
            assert_known(value_entry, key, what)
    if value.source_id:
        assert_known(value_entry, "source", what)
    else:
        assert_known(entry, "source", what)
    source_shown(value.shown_source, what)


def quote_shown(quote: Quote) -> None:
    entry, what = ENTRIES["quotes"][quote.slug], f"quote {quote.slug}"
    assert_known(ENTRIES["people"][quote.speaker.slug], "name", what)
    for key in ("said_on", "medium", "context", "is_partial"):
        if getattr(quote, key):
            assert_known(entry, key, what)
    if quote.said_on:
        assert_known(entry, "said_on_precision", what)
    if quote.role_at_the_time:
        assert_known(entry, "role", what)
        assert quote.role_at_the_time.title == entry.get("role")
    if quote.source_id:
        assert_known(entry, "source", what)
        source_shown(quote.source, what)


def claim_shown(claim: Claim) -> None:
    entry, what = ENTRIES["claims"][claim.slug], f"claim {claim.slug}"
    assert_known(entry, "claimant_name" if not claim.claimant_id else "claimant", what)
    for key in ("claimed_on", "made_in", "medium"):
        if getattr(claim, key):
            assert_known(entry, key, what)
    if claim.is_our_verdict:
        pytest.fail(f"{what}: the demo text gives no verdict of ours")
    # The rating and its explanation are a verdict: whose words they rest on must be given.
    for key in ("rating", "explanation", "verdict_by"):
        assert_known(entry, key, what)
    if claim.verdict_source_id:
        assert_known(entry, "verdict_source", what)
    for source in claim.sources.all():
        assert_known(entry, "sources", what)
        source_shown(source, what)


def test_every_fact_the_demo_stories_show_is_in_the_text(demo):
    shown = 0
    for story in demo:
        entry, what = ENTRIES["explainers"][story.slug], f"story {story.slug}"
        assert_known(entry, "authors", what)
        for key in ("original_publisher", "original_url", "original_published_on", "licence"):
            if getattr(story, key):
                assert_known(entry, key, what)
        blocks = SectionBlock.objects.filter(section__explainer=story).select_related(
            "section__explainer", "statistic", "quote__speaker", "quote__role", "claim", "media"
        )
        for block in blocks:
            shown += 1
            if block.statistic_id:
                statistic_shown(block)
            elif block.quote_id:
                quote_shown(block.quote)
            elif block.claim_id:
                claim_shown(block.claim)
            else:
                media = ENTRIES["media"][block.media.slug]
                for key in ("caption", "credit", "title", "duration"):
                    if getattr(block.media, key):
                        assert_known(media, key, f"media {block.media.slug}")
    assert shown > 25


def test_nothing_on_the_demo_pages_is_shown_as_checked(client, demo):
    facts = [
        *Quote.objects.filter(section_blocks__isnull=False).distinct(),
        *Statistic.objects.filter(section_blocks__isnull=False).distinct(),
        *Claim.objects.filter(section_blocks__isnull=False).distinct(),
    ]
    assert not [fact for fact in facts if fact.checked_on or fact.checked_by_id]
    for fact in facts:
        html = client.get(fact.get_absolute_url()).content.decode()
        assert "Not independently checked" in html and "Checked by" not in html, fact


def test_the_only_dates_the_demo_pages_show_are_ours_or_the_texts(client, demo):
    """Our own publication dates, and the one date the text gives (a quote "in 2020")."""
    from_the_text = {
        quote.said_on_iso
        for quote in Quote.objects.exclude(said_on=None)
        if SEED_COMMENT.match(ENTRIES["quotes"][quote.slug].comment("said_on"))
    }
    assert from_the_text == {"2020"}
    ours = {f"{story.published_at:%Y-%m-%d}" for story in demo}
    facts = [
        *Quote.objects.filter(section_blocks__isnull=False).distinct(),
        *Statistic.objects.filter(section_blocks__isnull=False).distinct(),
        *Claim.objects.filter(section_blocks__isnull=False).distinct(),
        *Source.objects.filter(pk__in=Statistic.objects.values("source")),
    ]
    for url in [story.get_absolute_url() for story in demo] + [
        fact.get_absolute_url() for fact in facts
    ]:
        html = client.get(url).content.decode()
        for stamp in re.findall(r'<time datetime="([^"]+)"', html):
            assert stamp in from_the_text or stamp[:10] in ours, f"{url} shows {stamp}"


def test_the_analysis_pins_its_figures_and_keeps_its_qualifiers(client, demo):
    analysis = Explainer.objects.get(slug="small-boats-50000-crossings-starmer")
    assert analysis.pins_figures
    html = client.get(analysis.get_absolute_url()).content.decode()
    assert "This is around <a" in html and "more than <a" in html
    assert '<span class="stat__qualifier">around</span>' not in html  # prose carries it
    for label, shown in [
        ("Rise in small-boat crossings", "around 13,000"),
        ("Times Keir Starmer tweeted", "more than 10"),
    ]:
        statistic = Statistic.objects.get(label__startswith=label)
        assert shown in client.get(statistic.get_absolute_url()).content.decode()
        assert shown in client.get(statistic.source.get_absolute_url()).content.decode()
