"""Fact cards and inline facts as HTML: the one place their markup lives.

Used by story pages (every block a story places), fact pages, embeds and previews, through the
``cards`` template tags. They are built here with ``format_html`` (every value escaped) rather
than in template partials because a story page shows a dozen or more of them: as partials they
took about a quarter of the time of rendering an uncached story page, and here a card costs a
few microseconds. Dates use the template ``date`` filter, so they read exactly as in templates.
"""

import functools

from django.template import defaultfilters
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language

LONG_DATE = "j F Y"
ISO_DATE = "Y-m-d"


def date(day, fmt: str) -> str:
    """The template ``date`` filter, remembered: a page shows the same few dates many times."""
    return _date(day, fmt, get_language())


@functools.lru_cache(maxsize=4096)
def _date(day, fmt: str, language) -> str:  # the language picks the month names
    return defaultfilters.date(day, fmt)


def _join(*pieces) -> SafeString:
    """Concatenate pieces that are already safe (format_html results or "")."""
    return mark_safe("".join(pieces))


def _time(day) -> SafeString:
    return format_html('<time datetime="{}">{}</time>', date(day, ISO_DATE), date(day, LONG_DATE))


def quote_card(quote, *, on_fact_page: bool = False) -> SafeString:
    speaker, source = quote.speaker, quote.source
    role = (
        format_html('<span class="card__role">, {}</span>', speaker.description)
        if speaker.description
        else ""
    )
    meta = [capfirst(quote.context) if quote.context else ""]
    if quote.said_on:
        meta.append(_join(", " if quote.context else "", _time(quote.said_on)))
    if source:
        meta.append(
            format_html(
                ' · Source: <a href="{}">{}</a>', source.get_absolute_url(), source.publisher
            )
        )
    more = (
        ""
        if on_fact_page
        else format_html(
            '<a class="card__more" href="{}">About this quote<span class="visually-hidden"> by {}</span></a>',
            quote.get_absolute_url(),
            speaker.name,
        )
    )
    return format_html(
        '\n<figure class="card card--quote">\n  <blockquote class="card__quote">{}</blockquote>\n'
        '  <figcaption class="card__caption">\n'
        '    <span><span class="card__who">{}</span>{}</span>\n'
        '    <span class="card__meta">{}</span>\n    {}\n  </figcaption>\n</figure>\n',
        linebreaks_filter(quote.text, autoescape=True),
        speaker.name,
        role,
        _join(*(format_html("{}", piece) for piece in meta)),
        more,
    )


def said_inline(quote) -> SafeString:
    title = quote.speaker.name
    if quote.said_on:
        title += f", {date(quote.said_on, LONG_DATE)}"
    if quote.source:
        title += f". Source: {quote.source.publisher}"
    return format_html(
        '<q class="quote-inline"><a href="{}" title="{}">{}</a></q>',
        quote.get_absolute_url(),
        title,
        quote.text,
    )


def statistic_card(statistic, value, *, newer=None, on_fact_page: bool = False) -> SafeString:
    as_of = value.as_of if value else None
    qualifier = (
        format_html('<span class="stat__qualifier">{}</span> ', statistic.qualifier)
        if statistic.qualifier
        else ""
    )
    unit = (
        format_html(' <span class="stat__unit">{}</span>', statistic.unit) if statistic.unit else ""
    )
    period = format_html("{}, as of", capfirst(value.period)) if value and value.period else "As of"
    newer_note = (
        ""
        if not newer
        else format_html(
            '<span class="stat__newer">This figure is as it stood on {}. A newer figure is available: '
            '<a href="{}">{} as of {}</a>.</span>',
            date(as_of, LONG_DATE),
            statistic.get_absolute_url(),
            newer.display,
            date(newer.as_of, LONG_DATE),
        )
    )
    more = (
        ""
        if on_fact_page
        else format_html(
            '<a class="card__more" href="{}">About this figure<span class="visually-hidden">: {}</span></a>',
            statistic.get_absolute_url(),
            statistic.label,
        )
    )
    source = statistic.source
    return format_html(
        '\n<figure class="card card--statistic">\n'
        '  <p class="stat__figure">{}<span class="stat__value">{}</span>{}</p>\n'
        '  <figcaption class="card__caption">\n'
        '    <span class="stat__label">{}</span>\n'
        '    <span class="card__meta">{} {} · Source: <a href="{}">{}</a></span>\n'
        "    {}\n    {}\n  </figcaption>\n</figure>\n",
        qualifier,
        value.display if value else "",
        unit,
        statistic.label,
        period,
        _time(as_of) if as_of else mark_safe('<time datetime=""></time>'),
        source.get_absolute_url(),
        source.publisher,
        newer_note,
        more,
    )


def value_inline(statistic, value, *, newer=None) -> SafeString:
    url = statistic.get_absolute_url()
    inline = format_html(
        '<a class="stat-inline" href="{}" title="{}, as of {}. Source: {}">{}</a>',
        url,
        statistic.label,
        date(value.as_of, LONG_DATE) if value else "",
        statistic.source.publisher,
        value.display if value else "",
    )
    if not newer:
        return inline
    return _join(
        inline,
        format_html(
            '<sup class="stat-inline__newer"><a href="{}" title="A newer figure is available: {} as of {}">'
            "newer figure</a></sup>",
            url,
            newer.display,
            date(newer.as_of, LONG_DATE),
        ),
    )


def claim_card(claim, *, on_fact_page: bool = False) -> SafeString:
    rating = claim.rating
    text = (
        ""
        if on_fact_page
        else format_html('<blockquote class="card__claim"><p>{}</p></blockquote>', claim.text)
    )
    claimed_on = (
        format_html(' <span class="card__meta">{}</span>', _time(claim.claimed_on))
        if claim.claimed_on
        else ""
    )
    more = (
        ""
        if on_fact_page
        else format_html(
            '<a class="card__more" href="{}">How we checked this<span class="visually-hidden"> claim</span></a>',
            claim.get_absolute_url(),
        )
    )
    return format_html(
        '\n<figure class="card card--claim">\n'
        '  <p class="rating rating--{}"><span class="visually-hidden">Rating: </span>{}</p>\n'
        "  {}\n"
        '  <figcaption class="card__caption">\n'
        '    <span class="card__who">Claimed by {}</span>{}\n'
        '    <span class="claim__explanation">{}</span>\n'
        "    {}\n  </figcaption>\n</figure>\n",
        rating.verdict,
        rating.name,
        text,
        claim.claimed_by,
        claimed_on,
        claim.explanation,
        more,
    )
