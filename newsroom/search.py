"""Reader search over published explainers, and the quotes and statistics they use.

On PostgreSQL: full-text search with weights (headline A, standfirst and section headings B,
section text C), ranked, with highlighted snippets, served by GIN expression indexes (created by
``newsroom/migrations/0004_search_indexes.py`` from the same expressions as below, so the planner
matches them). On SQLite: a plain case-insensitive match, ranked headline first.

Only what readers can see is searched: ``Explainer.objects.published()`` and fact blocks'
``.public()``. Each search costs a fixed number of queries whatever the size of the archive.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F, FloatField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.models import VALUES_WITH_SOURCES, Quote, Statistic
from explainers.models import Explainer, Section

CONFIG = "english"
MAX_QUERY_LENGTH = 200
EXPLAINER_LIMIT = 20
FACT_LIMIT = 8
SNIPPET_WORDS = 30

# Highlight markers that cannot occur in text: SearchHeadline puts them around matches, and the
# snippet is escaped before they become <mark> elements.
_START, _STOP = "\u0002", "\u0003"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"\[\[[^\]]*\]\]")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_MARKS = re.compile(r"(^|\s)(?:#{1,6}|>)\s|[*_`]+", re.MULTILINE)


# The indexed expressions: keep in step with migrations/0004_search_indexes.py.
def explainer_vector():
    return SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        "standfirst", weight="B", config=CONFIG
    )


def section_vector():
    return SearchVector("heading", weight="B", config=CONFIG) + SearchVector(
        "body", weight="C", config=CONFIG
    )


def quote_vector():
    return SearchVector("text", config=CONFIG)


def statistic_vector():
    return SearchVector("label", weight="A", config=CONFIG) + SearchVector(
        "methodology", weight="C", config=CONFIG
    )


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

    @property
    def count(self) -> int:
        return len(self.explainers) + len(self.quotes) + len(self.statistics)


def clean_query(raw: str | None) -> tuple[str, bool]:
    """What we search for: printable, single-spaced, at most MAX_QUERY_LENGTH characters."""
    text = " ".join(_CONTROL.sub(" ", raw or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] or text[:MAX_QUERY_LENGTH], True
    return text, False


def plain_text(markdown: str) -> str:
    """Section text without fact-block tokens and Markdown punctuation, for snippets."""
    text = _TOKEN.sub("…", markdown)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKDOWN_MARKS.sub(r"\1", text)
    return " ".join(text.split())


def highlight(marked: str) -> str:
    """Escape a SearchHeadline result, then turn its markers into <mark> elements."""
    text = plain_text(marked)
    text = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(text)


def highlight_plain(text: str, terms: list[str], words: int = SNIPPET_WORDS) -> str:
    """The SQLite fallback: a window of words around the first match, matches marked."""
    text = plain_text(text)
    lowered = text.lower()
    start = min((i for i in (lowered.find(t.lower()) for t in terms) if i >= 0), default=0)
    start = text.rfind(" ", 0, start) + 1  # the start of the word
    before = text[:start].split()
    lead = before[-5:]
    window = lead + text[start:].split()
    snippet = escape(" ".join(window[:words]))
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        snippet = re.sub(
            f"({re.escape(escape(term))})", r"<mark>\1</mark>", snippet, flags=re.IGNORECASE
        )
    prefix = "… " if len(before) > len(lead) else ""
    suffix = " …" if len(window) > words else ""
    return mark_safe(prefix + snippet + suffix)


def search(raw: str | None) -> Results:
    text, truncated = clean_query(raw)
    results = Results(query=text, truncated=truncated)
    if not text:
        return results
    if connection.vendor == "postgresql":
        _search_postgres(results)
    else:
        _search_fallback(results)
    return results


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


def _search_postgres(results: Results) -> None:
    query = SearchQuery(results.query, search_type="websearch", config=CONFIG)
    matching_sections = (
        Section.objects.annotate(document=section_vector())
        .filter(document=query)
        .annotate(rank=SearchRank(section_vector(), query))
    )
    # Each side of the OR is found through its own GIN index; "document matches OR id in
    # (sections)" on the explainer itself made PostgreSQL compute every story's vector instead.
    matching_explainers = Explainer.objects.annotate(document=explainer_vector()).filter(
        document=query
    )
    explainers = (
        Explainer.objects.published()
        .filter(
            Q(pk__in=matching_explainers.values("pk"))
            | Q(pk__in=matching_sections.values("explainer"))
        )
        .annotate(
            section_rank=Subquery(
                matching_sections.filter(explainer=OuterRef("pk"))
                .order_by("-rank")
                .values("rank")[:1],
                output_field=FloatField(),
            ),
            section_snippet=Subquery(
                matching_sections.filter(explainer=OuterRef("pk"))
                .order_by("-rank", "position")
                .annotate(snippet=_headline("body", query))
                .values("snippet")[:1]
            ),
            rank=SearchRank(explainer_vector(), query) + Coalesce("section_rank", Value(0.0)),
            standfirst_snippet=_headline("standfirst", query),
        )
        .for_public_list()
        .order_by("-rank", "-published_at")[:EXPLAINER_LIMIT]
    )
    for explainer in explainers:
        marked = explainer.section_snippet if explainer.section_snippet else ""
        if not marked or _START in explainer.standfirst_snippet:
            marked = explainer.standfirst_snippet
        results.explainers.append(Hit(explainer, highlight(marked)))

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
    results.quotes = [Hit(quote, highlight(quote.snippet)) for quote in quotes]

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


def _search_fallback(results: Results) -> None:
    """SQLite: every word must appear in the headline, standfirst or a section."""
    terms = results.query.replace('"', " ").split()[:10]
    if not terms:
        return
    explainer_q = Q()
    for term in terms:
        explainer_q &= (
            Q(title__icontains=term)
            | Q(standfirst__icontains=term)
            | Q(
                pk__in=Section.objects.filter(
                    Q(heading__icontains=term) | Q(body__icontains=term)
                ).values("explainer")
            )
        )
    explainers = list(
        Explainer.objects.published().filter(explainer_q).for_public_list()[:EXPLAINER_LIMIT]
    )
    sections = {}
    for section in Section.objects.filter(
        explainer__in=[e.pk for e in explainers], body__icontains=terms[0]
    ).order_by("explainer", "position"):
        sections.setdefault(section.explainer_id, section)
    explainers.sort(
        key=lambda e: -sum(t.lower() in e.title.lower() for t in terms)
    )  # headline matches first, then newest (the list's order)
    for explainer in explainers:
        source = explainer.standfirst
        if explainer.pk in sections and not any(t.lower() in source.lower() for t in terms):
            source = sections[explainer.pk].body
        results.explainers.append(Hit(explainer, highlight_plain(source, terms)))

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
