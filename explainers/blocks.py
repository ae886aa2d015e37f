"""Section text: Markdown with fact blocks placed as tokens.

    [[quote:slug]]                  a quote card, on a line of its own
    [[statistic:slug]]              a statistic card showing the current value (live)
    [[statistic:slug@2025-08-11]]   ... pinned to the value as of that date
    [[claim:slug]]                  a claim card with its rating
    [[media:slug]]                  an image or video with its caption and credit
    [[value:slug]]                  a statistic's value inside a sentence (also takes @date)
    [[said:slug]]                   a quote's words inside a sentence, linked to the quote

``compile_body`` checks every token against the database, renders the Markdown, sanitises the
HTML with nh3 and leaves a ``<!--block:N-->`` marker where block N goes. The marker is added after
sanitising, so nothing an editor types can produce one. Blocks are drawn at render time from the
usage rows, so a live statistic shows its newest value without the section being saved again.
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field

import nh3
from django.core.exceptions import ValidationError
from django.utils.html import escape
from markdown_it import MarkdownIt

from claims.models import Claim, Quote, Statistic

from .models import Media

TOKEN = re.compile(r"\[\[\s*([A-Za-z_]*)\s*:\s*([^\]@]*?)\s*(?:@\s*([^\]]*?)\s*)?\]\]")
# Private-use characters stand in for tokens while the Markdown is rendered and sanitised.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
PLACEHOLDER = re.compile(f"(<p>)?{MARK_OPEN}(\\d+){MARK_CLOSE}(</p>)?")

TARGETS = {
    "quote": Quote,
    "said": Quote,
    "statistic": Statistic,
    "value": Statistic,
    "claim": Claim,
    "media": Media,
}
CARD_KINDS = {"quote", "statistic", "claim", "media"}
PINNABLE = {"statistic", "value"}
KIND_NAMES = {
    "quote": "quote",
    "said": "quote",
    "statistic": "statistic",
    "value": "statistic",
    "claim": "claim",
    "media": "image or video",
}

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "s", "sub", "sup", "a", "ul", "ol", "li",
    "blockquote", "h3", "h4", "code", "pre", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# What readers see: the same Markdown with curly quotes and apostrophes in prose. Only text is
# touched (never code spans, code blocks, link URLs or the private-use token stand-ins), and only
# quotes: the other replacements would turn a "section 2(c)" into "section 2©". ``markdown``
# above keeps the text as typed, for reading its structure (headings, revision comparisons).
typeset = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
typeset.enable("smartquotes")


@dataclass
class Token:
    kind: str
    slug: str
    text: str
    pinned_on: datetime.date | None = None
    date_text: str | None = None  # as typed after the @, when given
    paragraph: int = 1  # which paragraph of the body it is in, counting from 1
    # Every reason it cannot be placed (placement, kind, date, the block itself), not only the
    # first: an editor fixes them all in one save.
    problems: list[str] = field(default_factory=list)

    @property
    def can_be_looked_up(self) -> bool:
        return self.kind in TARGETS and bool(self.slug)


@dataclass
class CompiledBody:
    html: str
    # (position, SectionBlock field values) for each block, in reading order.
    blocks: list[tuple[int, dict]] = field(default_factory=list)
    # Only when compiled ``lenient``: what is wrong, also shown in ``html`` where it occurs.
    errors: list[str] = field(default_factory=list)


def compile_body(text: str, *, known: dict | None = None, lenient: bool = False) -> CompiledBody:
    """Validate and render a section body; raise ValidationError naming every bad reference.

    Every problem of every token is reported at once (a card inside a sentence that also names
    no block gets both messages), each naming the token and, in a body of several paragraphs,
    the paragraph it is in.

    ``known`` ({model: {slug: block}}, statistics with their values prefetched) resolves tokens
    without queries, for callers compiling many bodies over the same blocks (generate_archive).
    ``lenient`` (a preview): render anyway, each bad token replaced by its errors where it
    stands, and the errors listed in the result.
    """
    for private in (MARK_OPEN, MARK_CLOSE):
        text = (text or "").replace(private, "")
    text = text.replace("\r\n", "\n")
    tokens: list[Token] = []
    paragraph, after_blank = 0, True

    def place(match: re.Match, *, alone: bool) -> str:
        token = _parse_token(match, alone=alone)
        token.paragraph = paragraph
        tokens.append(token)
        marker = f"{MARK_OPEN}{len(tokens) - 1}{MARK_CLOSE}"
        return f"\n\n{marker}\n\n" if alone else marker

    lines = []
    for line in text.split("\n"):
        if line.strip() and after_blank:
            paragraph += 1
        after_blank = not line.strip()
        match = TOKEN.fullmatch(line.strip())
        if match:
            lines.append(place(match, alone=True))
        else:
            lines.append(TOKEN.sub(lambda m: place(m, alone=False), line))
    source = "\n".join(lines)

    resolved = _resolve(tokens, known or {})
    errors = [
        f"Paragraph {token.paragraph}: {problem}" if paragraph > 1 else problem
        for token in tokens
        for problem in token.problems
    ]
    errors.extend(_check_headings(source))
    if errors and not lenient:
        raise ValidationError(errors)

    html = nh3.clean(
        typeset.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )

    def block_or_error(match: re.Match) -> str:
        position = int(match.group(2))
        if tokens[position].problems:
            return _error_html(" ".join(tokens[position].problems), block=bool(match.group(1)))
        return f"<!--block:{position}-->"

    html = PLACEHOLDER.sub(block_or_error, html)
    return CompiledBody(html=html.strip(), blocks=resolved, errors=errors if lenient else [])


def _error_html(message: str, *, block: bool) -> str:
    """A token that cannot be placed, shown in a preview where it stands (escaped here, after
    the sanitiser, so nothing typed can become markup)."""
    tag = "p" if block else "mark"
    return f'<{tag} class="token-error" role="note">{escape(message)}</{tag}>'


def _parse_token(match: re.Match, *, alone: bool) -> Token:
    """The token as typed, with every problem its text alone shows (``_resolve`` adds those
    only the database can tell)."""
    raw, kind, slug, date_text = (
        match.group(0),
        match.group(1).lower(),
        match.group(2),
        match.group(3),
    )
    token = Token(kind=kind, slug=slug, text=raw, date_text=date_text)
    problems = token.problems
    if kind not in TARGETS:
        problems.append(
            f"{raw}: unknown block type “{kind}”. Use quote, said, statistic, value, claim or media."
        )
        return token
    if not slug:
        problems.append(f"{raw}: name the {KIND_NAMES[kind]} after the colon.")
    if kind in CARD_KINDS and not alone:
        hint = {
            "statistic": " or use [[value:…]] for a figure inside a sentence",
            "quote": " or use [[said:…]] for quoted words inside a sentence",
        }.get(kind, "")
        problems.append(f"{raw} is a card: put it on a line of its own{hint}.")
    if date_text is not None:
        if kind not in PINNABLE:
            problems.append(f"{raw}: only statistics can be pinned to a date.")
        else:
            try:
                token.pinned_on = datetime.date.fromisoformat(date_text)
            except ValueError:
                problems.append(f"{raw}: “{date_text}” is not a date; write it as YYYY-MM-DD.")
    return token


def _check_headings(source: str) -> list[str]:
    for item in markdown.parse(source):
        if item.type == "heading_open" and item.tag in {"h1", "h2"}:
            return [
                "Sub-headings inside a section start with ### (the section heading is the "
                "main heading and # or ## would break the page outline)."
            ]
    return []


def _resolve(tokens: list[Token], known: dict) -> list[tuple[int, dict]]:
    """Look up every referenced block, misplaced tokens' too: one query per kind of block,
    however many tokens. Each problem the database shows is added to its token's
    ``problems``; the tokens with none are placed."""
    lookups = [token for token in tokens if token.can_be_looked_up]
    found: dict[type, dict[str, object]] = {}
    for model in {TARGETS[t.kind] for t in lookups}:
        if model in known:
            found[model] = known[model]
            continue
        slugs = {t.slug for t in lookups if TARGETS[t.kind] is model}
        queryset = model.objects.filter(slug__in=slugs)
        if model is Statistic:
            queryset = queryset.prefetch_related("values")
        found[model] = {obj.slug: obj for obj in queryset}

    placed = []
    for position, token in enumerate(tokens):
        if not token.can_be_looked_up:
            continue
        model = TARGETS[token.kind]
        target = found[model].get(token.slug)
        if target is None:
            token.problems.append(_unknown(token, model))
            continue
        fields = {"kind": token.kind, _field_name(model): target}
        if token.kind in PINNABLE:
            if token.pinned_on:
                value = target.value_on(token.pinned_on)
                if value is None:
                    token.problems.append(
                        f"{token.text}: “{target}” has no value on or before "
                        f"{token.pinned_on:%-d %B %Y}."
                    )
                fields["pinned_value"] = value
            elif token.date_text is None and target.current is None:
                token.problems.append(f"{token.text}: “{target}” has no value yet; add one first.")
        if not token.problems:
            placed.append((position, fields))
    return placed


def _field_name(model) -> str:
    return model._meta.model_name


def _unknown(token: Token, model) -> str:
    message = f"{token.text}: there is no {KIND_NAMES[token.kind]} “{token.slug}”."
    candidates = model.objects.filter(slug__startswith=token.slug[:3]).values_list(
        "slug", flat=True
    )
    close = difflib.get_close_matches(token.slug, list(candidates[:500]), n=1)
    if close:
        message += f" Did you mean “{close[0]}”?"
    return message
