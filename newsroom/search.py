"""Reader search over published stories, and the quotes and statistics they use.

What is searched is what readers read: a story's headline, standfirst, section headings and
section text as the page shows it (Markdown and block tokens rendered away), and the words of
any quote the story places. Only ``Explainer.objects.published()`` and fact blocks' ``.public()``
are searched.

On PostgreSQL a story is found through its stored document, ``explainers_explainer.search_vector``
(headline A, standfirst and headings B, section text C), kept current by triggers and
GIN-indexed (``newsroom/migrations/0013_search_vectors.py``), and through the usage rows of
the quotes whose words match. Ranking reads one stored vector per story: a word found in every
story of 100,000 generated ones is ranked in about 100 ms (75 ms when PostgreSQL plans it in
parallel), where recomputing every section's vector took over two minutes; a rare word, 1 ms.
On SQLite: a plain case-insensitive match, headline matches first.

The snippet is the passage that matched: of a story's standfirst, headings and sections (each
built from its compiled HTML and the blocks it places, a quote card as its words and speaker,
an inline figure as its value), the one that best matches, cut around its matches with every
matched word marked (``ts_headline`` on PostgreSQL, a word window on SQLite). Text is escaped
before the marks become ``<mark>``; no token or Markdown can reach it.

Each search costs a fixed number of queries whatever the size of the archive.
"""

import difflib
import html
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    FloatField,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.models import VALUES_WITH_SOURCES, Quote, Statistic, StatisticValue
from explainers.models import Explainer, Section, SectionBlock, Topic

CONFIG = "english"
MAX_QUERY_LENGTH = 200
EXPLAINER_LIMIT = 20
FACT_LIMIT = 8
TOPIC_SUGGESTIONS = 6
SNIPPET_WORDS = 30
# A story placing a quote whose words match ranks with one mention in its text (weight C).
QUOTE_PLACED_RANK = 0.1

# Highlight markers that cannot occur in text: the passage finders put them around matches, and
# the snippet is escaped before they become <mark> elements.
_START, _STOP = "\u0002", "\u0003"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"\[\[[^\]]*\]\]")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKS = re.compile(r"(^|\s)(?:#{1,6}|>)\s|[*_`]+", re.MULTILINE)
# Where compiled section HTML breaks a line (so words either side stay apart), and any tag.
_HTML_BREAK = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|blockquote|pre|br|hr)\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w+")
_NEGATED = re.compile(r"(?:^|\s)-\S*")
INLINE_KINDS = {"said", "value"}


@dataclass
class Hit:
    obj: object
    snippet: str = ""


@dataclass
class Results:
    query: str
    explainers: list[Hit] = field(default_factory=list)
    quotes: list[Hit] = field(default_factory=list)
    statistics: list[Hit] = field(default_factory=list)
    truncated: bool = False
    # With nothing found: published topics to try, the closest by name first.
    topics: list[Topic] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.explainers) + len(self.quotes) + len(self.statistics)


# The indexed expressions (migrations/0004_search_indexes.py) for the fact blocks.
def quote_vector():
    return SearchVector("text", config=CONFIG)


def statistic_vector():
    return SearchVector("label", weight="A", config=CONFIG) + SearchVector(
        "methodology", weight="C", config=CONFIG
    )


class StoryDocument(Expression):
    """The story's stored document, a column only the database knows (0013_search_vectors)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name_unless_alias(alias)}.search_vector", []


class ParsedOnce(SearchQuery):
    """A search query parsed once per statement, as a scalar subquery (an InitPlan).

    Settings prepare statements a connection repeats; after five runs PostgreSQL may switch to
    a generic plan, where ``websearch_to_tsquery(config, $1)`` is no longer folded into a
    constant and was parsed again for every story, twice (match and rank): the story query
    for a word in every story of 100,000 went from 75 ms to 200 ms on its eleventh run."""

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = super().as_sql(compiler, connection, function, template)
        return f"(SELECT {sql})", params


def clean_query(raw: str | None) -> tuple[str, bool]:
    """What we search for: printable, single-spaced, at most MAX_QUERY_LENGTH characters."""
    text = " ".join(_CONTROL.sub(" ", raw or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] or text[:MAX_QUERY_LENGTH], True
    return text, False


def plain_text(markdown: str) -> str:
    """Markdown without fact-block tokens and Markdown punctuation (for text that never went
    through the compiler)."""
    text = _TOKEN.sub("…", markdown)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKDOWN_MARKS.sub(r"\1", text)
    return " ".join(text.split())


def html_text(fragment: str) -> str:
    """Compiled HTML as the words it shows: tags and block markers gone, entities decoded.
    Spaces at either end are kept, so an inline figure stays glued to its comma."""
    return re.sub(r"\s+", " ", html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub(" ", fragment))))


def block_text(block) -> str:
    """What readers read of a placed block (``explainers.rendering.block_html`` draws it)."""
    if block.kind in {"quote", "said"}:
        words = f"“{' '.join(block.quote.text.split())}”"
        return f"{words} — {block.quote.speaker_name}." if block.kind == "quote" else words
    if block.kind in {"statistic", "value"}:
        value = block.shown_value
        shown = value.display if value else ""
        if block.kind == "value":
            return shown
        qualifier = f"{value.qualifier} " if value and value.qualifier else ""
        unit = f" {block.statistic.unit}" if block.statistic.unit else ""
        return f"{block.statistic.label}: {qualifier}{shown}{unit}."
    if block.kind == "claim":
        return f"“{block.claim.text}” {block.claim.rating.name}."
    media = block.media
    return media.caption or media.title


def section_text(section) -> str:
    """A section's text as readers read it, from prefetched blocks: inline facts inside their
    sentence, cards as paragraphs of their own."""
    pieces = []
    for piece, block in section.parts():
        if block is None:
            pieces.append(html_text(piece))
        elif block.kind in INLINE_KINDS:
            pieces.append(block_text(block))
        else:
            pieces.append(f" {block_text(block)} ")
    return " ".join("".join(pieces).split())


def highlight(marked: str) -> str:
    """Escape a passage, then turn its markers into <mark> elements."""
    text = escape(marked).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(text)


def query_words(text: str) -> list[str]:
    """The words a query asks for: not those it excludes with a minus, nor "or", which joins
    two words (as PostgreSQL's web search syntax reads it)."""
    words = _WORD.findall(_NEGATED.sub(" ", text))
    return [word for word in words if word.lower() != "or"][:10]


def mark_words(text: str, words: list[str]) -> str:
    """Put markers around each word of ``text`` that begins with one of ``words``."""
    if not words:
        return text
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    pattern = re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)
    return pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", text)


def passage(text: str, words: list[str], length: int = SNIPPET_WORDS) -> str:
    """The SQLite passage finder: ``length`` words around the first match, every match
    marked, with "…" where the text goes on."""
    tokens = text.split()
    marked = mark_words(" ".join(tokens), words).split(" ")
    first = next((i for i, token in enumerate(marked) if _START in token), 0)
    start = max(0, min(first - 5, len(marked) - length))
    window = marked[start : start + length]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + length < len(marked) else ""
    return prefix + " ".join(window) + suffix


def highlight_plain(text: str, terms: list[str], words: int = SNIPPET_WORDS) -> str:
    """A passage of ``text`` around its first match, matches marked, escaped."""
    return highlight(passage(" ".join(text.split()), terms, words))


def search(raw: str | None) -> Results:
    text, truncated = clean_query(raw)
    results = Results(query=text, truncated=truncated)
    if not text:
        return results
    if not query_words(text):
        pass  # "-boats" only excludes: nothing, on every database, never the whole archive ranked
    elif connection.vendor == "postgresql":
        _search_postgres(results)
    else:
        _search_fallback(results)
    if not results.count:
        results.topics = suggest_topics(text)
    return results


def suggest_topics(text: str, limit: int = TOPIC_SUGGESTIONS) -> list[Topic]:
    """Published topics to try: those whose name is closest to the query, else the biggest.
    One query, over the 500 biggest topics."""
    topics = list(
        Topic.objects.public()
        .with_public_explainer_count()
        .order_by("-public_explainer_count", "name")[:500]
    )
    wanted = text.lower()
    words = {word.lower() for word in query_words(text) if len(word) > 2}

    def closeness(topic) -> float:
        name = topic.name.lower()
        shared = any(w.startswith(word) for w in _WORD.findall(name) for word in words)
        return max(difflib.SequenceMatcher(None, wanted, name).ratio(), 0.8 if shared else 0)

    close = sorted((t for t in topics if closeness(t) >= 0.6), key=closeness, reverse=True)
    return (close or topics)[:limit]


def _story_list():
    """The read shape of a search result: the story with its topics."""
    return Explainer.objects.published().prefetch_related("topics")


def _story_sections(stories: list) -> dict[int, list]:
    """The sections of ``stories`` with the blocks they place and what their text shows:
    three queries for any number (sections, blocks with their facts, statistics' values)."""
    by_id = {story.pk: story for story in stories}
    blocks = SectionBlock.objects.select_related(
        "quote__speaker", "quote__role", "statistic", "claim__rating", "media"
    ).prefetch_related(Prefetch("statistic__values", queryset=StatisticValue.objects.order_by()))
    sections = Section.objects.filter(explainer__in=list(by_id)).prefetch_related(
        Prefetch("blocks", queryset=blocks.order_by("position"))
    )
    found: dict[int, list] = {pk: [] for pk in by_id}
    for section in sections.order_by("explainer", "position"):
        section.explainer = by_id[section.explainer_id]  # for a figure's pinned value
        found[section.explainer_id].append(section)
    return found


def _passages(story, sections) -> list[str]:
    """The texts a story's snippet is chosen from, in reading order."""
    texts = [story.standfirst]
    for section in sections:
        texts.extend([section.heading, section_text(section)])
    return [" ".join(text.split()) for text in texts if text and text.strip()]


def _search_postgres(results: Results) -> None:
    query = ParsedOnce(results.query, search_type="websearch", config=CONFIG)
    quotes_matching = Quote.objects.annotate(document=quote_vector()).filter(document=query)
    placing_quote = SectionBlock.objects.filter(quote__in=quotes_matching.values("pk")).values(
        "section__explainer"
    )
    # "document matches OR the story places such a quote": a bitmap OR of the stored
    # document's GIN index and the primary key, as the quote side is an array (a subquery
    # there, "pk IN (...)", made PostgreSQL test every story instead); a word in every story
    # reads each story's row once. The rank's bonus asks the same subquery, hashed.
    placing_sql, placing_params = placing_quote.query.sql_with_params()
    places_quote = RawSQL(
        f'"explainers_explainer"."id" = ANY(ARRAY({placing_sql}))',
        placing_params,
        output_field=BooleanField(),
    )
    stories = list(
        _story_list()
        .alias(document=StoryDocument())
        .filter(Q(document=query) | Q(places_quote))
        .annotate(
            rank=SearchRank(StoryDocument(), query)
            + Case(
                When(pk__in=placing_quote, then=Value(QUOTE_PLACED_RANK)),
                default=Value(0.0),
                output_field=FloatField(),
            )
        )
        .order_by("-rank", "-published_at", "-pk")[:EXPLAINER_LIMIT]
    )
    snippets = _headlines_postgres(stories, results.query)
    results.explainers = [Hit(story, snippets.get(story.pk, "")) for story in stories]

    quotes = (
        Quote.objects.public()
        .select_related("speaker")
        .annotate(
            document=quote_vector() + SearchVector("speaker__name", weight="A", config=CONFIG)
        )
        .filter(Q(document=query))
        .annotate(rank=SearchRank(F("document"), query), snippet=_headline("text", query))
        .order_by("-rank", "-said_on")[:FACT_LIMIT]
    )
    results.quotes = [
        Hit(quote, highlight(_ellipsis(" ".join(quote.text.split()), quote.snippet)))
        for quote in quotes
    ]

    statistics = (
        Statistic.objects.public()
        .select_related("source")
        .prefetch_related(VALUES_WITH_SOURCES)
        .annotate(document=statistic_vector())
        .filter(document=query)
        .annotate(rank=SearchRank(statistic_vector(), query), snippet=_headline("label", query))
        .order_by("-rank", "label")[:FACT_LIMIT]
    )
    results.statistics = [Hit(statistic, highlight(statistic.snippet)) for statistic in statistics]


HEADLINE_OPTIONS = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … ", HighlightAll=false'
)

# Of each story's passages, the one that best matches: all the query's words in one passage
# first, then the rank of any of them (normalised by length, so a long section does not win by
# length alone), then reading order. ts_headline cuts it around its matches and marks every
# word of the query it contains.
_PASSAGE_SQL = """
WITH passage AS (
    SELECT p.story, p.n, p.text, to_tsvector(%(config)s::regconfig, p.text) AS document
    FROM unnest(%(stories)s::bigint[], %(texts)s::text[]) WITH ORDINALITY AS p(story, text, n)
), best AS (
    SELECT DISTINCT ON (story) story, text
    FROM passage, websearch_to_tsquery(%(config)s::regconfig, %(all)s) AS q_all,
        websearch_to_tsquery(%(config)s::regconfig, %(any)s) AS q_any
    WHERE document @@ q_any
    ORDER BY story, document @@ q_all DESC, ts_rank(document, q_any, 1) DESC, n
)
SELECT story, text,
    ts_headline(%(config)s::regconfig, text, websearch_to_tsquery(%(config)s::regconfig, %(any)s),
        %(options)s)
FROM best
"""


def _headlines_postgres(stories: list, query: str) -> dict[int, str]:
    """{story pk: snippet}: sections and their blocks (three or four queries), then one query
    that picks and cuts every story's passage. A story whose passages do not match (a headline
    match) shows its standfirst."""
    if not stories:
        return {}
    sections = _story_sections(stories)
    ids, texts = [], []
    for story in stories:
        for text in _passages(story, sections[story.pk]):
            ids.append(story.pk)
            texts.append(text)
    words = query_words(query)
    with connection.cursor() as cursor:
        cursor.execute(
            _PASSAGE_SQL,
            {
                "config": CONFIG,
                "stories": ids,
                "texts": texts,
                "all": query,
                "any": " or ".join(words),
                "options": HEADLINE_OPTIONS,
            },
        )
        cut = {story: _ellipsis(text, marked) for story, text, marked in cursor.fetchall()}
    return {
        story.pk: highlight(cut[story.pk]) if story.pk in cut else _lead(story.standfirst)
        for story in stories
    }


def _ellipsis(text: str, marked: str) -> str:
    """ "…" before and after a ts_headline passage where the text goes on."""
    fragments = marked.split(" … ")
    plain = [fragment.replace(_START, "").replace(_STOP, "").strip() for fragment in fragments]
    edge = " .,;:!?…“”\"'()"  # ts_headline leaves punctuation at either end out
    prefix = "" if text.lstrip(edge).startswith(plain[0].lstrip(edge)) else "… "
    suffix = "" if text.rstrip(edge).endswith(plain[-1].rstrip(edge)) else " …"
    return prefix + marked.strip() + suffix


def _lead(text: str) -> str:
    return highlight(passage(" ".join(text.split()), []))


def _headline(expression, query):
    return SearchHeadline(
        expression,
        query,
        config=CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=SNIPPET_WORDS,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def _search_fallback(results: Results) -> None:
    """SQLite: every word must appear in the headline, standfirst, a section or a quote the
    story places."""
    terms = query_words(results.query)
    if not terms:
        return
    explainer_q = Q()
    for term in terms:
        in_sections = Section.objects.filter(
            Q(heading__icontains=term)
            | Q(body_html__icontains=term)
            | Q(blocks__quote__text__icontains=term)
        )
        explainer_q &= (
            Q(title__icontains=term)
            | Q(standfirst__icontains=term)
            | Q(pk__in=in_sections.values("explainer"))
        )
    stories = list(
        _story_list().filter(explainer_q).order_by("-published_at", "-pk")[:EXPLAINER_LIMIT]
    )
    stories.sort(  # headline matches first, then newest (the list's order)
        key=lambda story: -sum(term.lower() in story.title.lower() for term in terms)
    )
    sections = _story_sections(stories)
    for story in stories:
        texts = _passages(story, sections[story.pk])
        best = max(
            texts,
            key=lambda text: (len(_marked_words(text, terms)), -texts.index(text)),
            default="",
        )
        snippet = highlight_plain(best, terms) if _marked_words(best, terms) else None
        results.explainers.append(Hit(story, snippet or _lead(story.standfirst)))

    quote_q, statistic_q = Q(), Q()
    for term in terms:
        quote_q &= Q(text__icontains=term) | Q(speaker__name__icontains=term)
        statistic_q &= Q(label__icontains=term) | Q(methodology__icontains=term)
    quotes = Quote.objects.public().select_related("speaker").filter(quote_q)[:FACT_LIMIT]
    results.quotes = [Hit(q, highlight_plain(q.text, terms)) for q in quotes]
    statistics = (
        Statistic.objects.public()
        .select_related("source")
        .prefetch_related(VALUES_WITH_SOURCES)
        .filter(statistic_q)[:FACT_LIMIT]
    )
    results.statistics = [Hit(s, highlight_plain(s.label, terms)) for s in statistics]


def _marked_words(text: str, terms: list[str]) -> set[str]:
    """Which of ``terms`` begin a word of ``text`` (case-insensitive)."""
    lowered = text.lower()
    return {term for term in terms if re.search(rf"\b{re.escape(term.lower())}", lowered)}
