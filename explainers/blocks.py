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
# In a preview (``lenient``), a token that cannot be placed is shown where it stands, with why.
BAD_OPEN, BAD_CLOSE = "\ue002", "\ue003"
BAD_PLACEHOLDER = re.compile(f"(<p>)?{BAD_OPEN}(\\d+){BAD_CLOSE}(</p>)?")

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


@dataclass
class Token:
    kind: str
    slug: str
    text: str
    pinned_on: datetime.date | None = None


@dataclass
class CompiledBody:
    html: str
    # (position, SectionBlock field values) for each block, in reading order.
    blocks: list[tuple[int, dict]] = field(default_factory=list)
    # Only when compiled ``lenient``: what is wrong, also shown in ``html`` where it occurs.
    errors: list[str] = field(default_factory=list)


def compile_body(text: str, *, known: dict | None = None, lenient: bool = False) -> CompiledBody:
    """Validate and render a section body; raise ValidationError naming every bad reference.

    ``known`` ({model: {slug: block}}, statistics with their values prefetched) resolves tokens
    without queries, for callers compiling many bodies over the same blocks (generate_archive).
    ``lenient`` (a preview): render anyway, each bad token replaced by its error where it
    stands, and the errors listed in the result.
    """
    for private in (MARK_OPEN, MARK_CLOSE, BAD_OPEN, BAD_CLOSE):
        text = (text or "").replace(private, "")
    text = text.replace("\r\n", "\n")
    errors: list[str] = []
    tokens: list[Token] = []
    refused: list[str] = []  # lenient: why each token that could not be read was refused

    def place(match: re.Match, *, alone: bool) -> str:
        seen = len(errors)
        token = _parse_token(match, alone=alone, errors=errors)
        if token is None:
            if not lenient:
                return match.group(0)
            refused.append(errors[-1] if len(errors) > seen else match.group(0))
            marker = f"{BAD_OPEN}{len(refused) - 1}{BAD_CLOSE}"
        else:
            tokens.append(token)
            marker = f"{MARK_OPEN}{len(tokens) - 1}{MARK_CLOSE}"
        return f"\n\n{marker}\n\n" if alone else marker

    lines = []
    for line in text.split("\n"):
        match = TOKEN.fullmatch(line.strip())
        if match:
            lines.append(place(match, alone=True))
        else:
            lines.append(TOKEN.sub(lambda m: place(m, alone=False), line))
    source = "\n".join(lines)

    errors.extend(_check_headings(source))
    unresolved: dict[int, str] = {}
    resolved = _resolve(tokens, errors, known or {}, unresolved)
    if errors and not lenient:
        raise ValidationError(errors)

    html = nh3.clean(
        markdown.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )

    def block_or_error(match: re.Match) -> str:
        position = int(match.group(2))
        if position in unresolved:
            return _error_html(unresolved[position], block=bool(match.group(1)))
        return f"<!--block:{position}-->"

    html = PLACEHOLDER.sub(block_or_error, html)
    html = BAD_PLACEHOLDER.sub(
        lambda m: _error_html(refused[int(m.group(2))], block=bool(m.group(1))), html
    )
    return CompiledBody(html=html.strip(), blocks=resolved, errors=errors if lenient else [])


def _error_html(message: str, *, block: bool) -> str:
    """A token that cannot be placed, shown in a preview where it stands (escaped here, after
    the sanitiser, so nothing typed can become markup)."""
    tag = "p" if block else "mark"
    return f'<{tag} class="token-error" role="note">{escape(message)}</{tag}>'


def _parse_token(match: re.Match, *, alone: bool, errors: list[str]) -> Token | None:
    raw, kind, slug, date_text = (
        match.group(0),
        match.group(1).lower(),
        match.group(2),
        match.group(3),
    )
    if kind not in TARGETS:
        errors.append(
            f"{raw}: unknown block type “{kind}”. Use quote, said, statistic, value, claim or media."
        )
        return None
    if not slug:
        errors.append(f"{raw}: name the {KIND_NAMES[kind]} after the colon.")
        return None
    if kind in CARD_KINDS and not alone:
        hint = {
            "statistic": " or use [[value:…]] for a figure inside a sentence",
            "quote": " or use [[said:…]] for quoted words inside a sentence",
        }.get(kind, "")
        errors.append(f"{raw} is a card: put it on a line of its own{hint}.")
        return None
    pinned_on = None
    if date_text is not None:
        if kind not in PINNABLE:
            errors.append(f"{raw}: only statistics can be pinned to a date.")
            return None
        try:
            pinned_on = datetime.date.fromisoformat(date_text)
        except ValueError:
            errors.append(f"{raw}: “{date_text}” is not a date; write it as YYYY-MM-DD.")
            return None
    return Token(kind=kind, slug=slug, text=raw, pinned_on=pinned_on)


def _check_headings(source: str) -> list[str]:
    for item in markdown.parse(source):
        if item.type == "heading_open" and item.tag in {"h1", "h2"}:
            return [
                "Sub-headings inside a section start with ### (the section heading is the "
                "main heading and # or ## would break the page outline)."
            ]
    return []


def _resolve(
    tokens: list[Token], errors: list[str], known: dict, unresolved: dict | None = None
) -> list[tuple[int, dict]]:
    """Look up every referenced block: one query per kind of block, however many tokens.
    Each token that cannot be placed adds its error, and ``unresolved[position] = error``."""
    unresolved = {} if unresolved is None else unresolved
    found: dict[type, dict[str, object]] = {}
    for model in {TARGETS[t.kind] for t in tokens}:
        if model in known:
            found[model] = known[model]
            continue
        slugs = {t.slug for t in tokens if TARGETS[t.kind] is model}
        queryset = model.objects.filter(slug__in=slugs)
        if model is Statistic:
            queryset = queryset.prefetch_related("values")
        found[model] = {obj.slug: obj for obj in queryset}

    placed = []
    for position, token in enumerate(tokens):
        model = TARGETS[token.kind]
        target = found[model].get(token.slug)
        if target is None:
            errors.append(_unknown(token, model))
            unresolved[position] = errors[-1]
            continue
        fields = {"kind": token.kind, _field_name(model): target}
        if token.kind in PINNABLE:
            if token.pinned_on:
                value = target.value_on(token.pinned_on)
                if value is None:
                    errors.append(
                        f"{token.text}: “{target}” has no value on or before "
                        f"{token.pinned_on:%-d %B %Y}."
                    )
                    unresolved[position] = errors[-1]
                    continue
                fields["pinned_value"] = value
            elif target.current is None:
                errors.append(f"{token.text}: “{target}” has no value yet; add one first.")
                unresolved[position] = errors[-1]
                continue
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
