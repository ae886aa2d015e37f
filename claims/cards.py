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

from . import charts

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


def _said_on(quote) -> SafeString:
    """The quote's date as precisely as the source gives it, or that it does not."""
    if quote.said_on is None:
        return mark_safe('<span class="unknown">date not given</span>')
    if quote.said_on_precision != "day":
        return format_html(
            '<time datetime="{}">{}</time>',
            date(quote.said_on, "Y" if quote.said_on_precision == "year" else "Y-m"),
            quote.said_on_display,
        )
    return _time(quote.said_on)


def _source_link(source) -> SafeString:
    if source is None:
        return mark_safe('<span class="unknown">source not given</span>')
    return format_html('<a href="{}">{}</a>', source.get_absolute_url(), source.publisher)


def quote_card(quote, *, on_fact_page: bool = False) -> SafeString:
    """A quote with who said it, as what (the role of its day, never today's for an old quote),
    how, when and where from, each said to be unknown when the source does not give it."""
    if on_fact_page:  # the page says who, as what, how, when and where from, once each
        return format_html(
            '\n<figure class="card card--quote">\n  <blockquote class="card__quote">{}</blockquote>\n'
            "</figure>\n",
            linebreaks_filter(quote.text, autoescape=True),
        )
    speaker, role = quote.speaker, quote.role_at_the_time
    role_text = format_html('<span class="card__role">, {}</span>', role) if role else ""
    how = [capfirst(quote.get_medium_display()) if quote.medium else "", quote.context]
    meta = _join(
        format_html("{} · ", capfirst(" ".join(part for part in how if part))) if any(how) else "",
        _said_on(quote),
        format_html(" · Source: {}", _source_link(quote.source)),
        mark_safe(' · <span class="card__partial">partial quote</span>')
        if quote.is_partial
        else "",
    )
    more = format_html(
        '<a class="card__more" href="{}">About this quote<span class="visually-hidden"> by {}</span></a>',
        quote.get_absolute_url(),
        speaker.name,
    )
    return format_html(
        '\n<figure class="card card--quote">\n  <blockquote class="card__quote">{}</blockquote>\n'
        '  <figcaption class="card__caption">\n'
        '    <span><span class="card__who">{}</span>{}</span>\n'
        '    <span class="card__meta">{}</span>\n    {}\n  </figcaption>\n</figure>\n',
        linebreaks_filter(quote.text, autoescape=True),
        quote.speaker_name,
        role_text,
        meta,
        more,
    )


def said_inline(quote) -> SafeString:
    role = quote.role_at_the_time
    title = quote.speaker_name + (f", {role}" if role else "")
    title += f", {quote.said_on_display}" if quote.said_on else ", date not given"
    if quote.source:
        title += f". Source: {quote.source.publisher}"
    return format_html(
        '<q class="quote-inline"><a href="{}" title="{}">{}</a></q>',
        quote.get_absolute_url(),
        title,
        quote.text,
    )


def _when(value) -> SafeString:
    """ "In 2024", "As of 11 August 2025", or "Date not given": never a date we do not have."""
    if value is None:
        return mark_safe('<span class="unknown">No value yet</span>')
    period = value.period_display
    if value.as_of and period:
        return format_html("{}, as of {}", capfirst(period), _time(value.as_of))
    if value.as_of:
        return format_html("As of {}", _time(value.as_of))
    if period:
        return format_html("{}", capfirst(period))
    return mark_safe('<span class="unknown">Date not given</span>')


def statistic_card(
    statistic, value, *, newer=None, on_fact_page: bool = False, sparkline: bool = True
) -> SafeString:
    """A figure with its own qualifier, date or period and source, from the value shown, and a
    sparkline of the values before it (not where a chart of them follows: ``sparkline=False``)."""
    qualifier = (
        format_html('<span class="stat__qualifier">{}</span> ', value.qualifier)
        if value and value.qualifier
        else ""
    )
    unit = (
        format_html(' <span class="stat__unit">{}</span>', statistic.unit) if statistic.unit else ""
    )
    newer_note = (
        ""
        if not newer
        else format_html(
            '<span class="stat__newer">This figure is as it stood when the story was published. '
            'A newer figure is available: <a href="{}">{}{} ({})</a>.</span>',
            statistic.get_absolute_url(),
            f"{newer.qualifier} " if newer.qualifier else "",
            newer.display,
            newer.date_display,
        )
    )
    if on_fact_page:  # the page's heading names the figure, and its source line the source
        return format_html(
            '\n<figure class="card card--statistic">\n'
            '  <p class="stat__figure">{}<span class="stat__value">{}</span>{}</p>\n'
            '  <figcaption class="card__caption">\n'
            '    <span class="card__meta">{}</span>\n'
            "    {}\n  </figcaption>\n</figure>\n",
            qualifier,
            value.display if value else "",
            unit,
            _when(value),
            newer_note,
        )
    more = format_html(
        '<a class="card__more" href="{}">About this figure<span class="visually-hidden">: {}</span></a>',
        statistic.get_absolute_url(),
        statistic.label,
    )
    source = value.shown_source if value else statistic.source
    # the figures' recent course, when two or more dated values lead up to the one shown
    trend = charts.sparkline(statistic, upto=value) if value and sparkline else ""
    return format_html(
        '\n<figure class="card card--statistic">\n'
        '  <p class="stat__figure">{}<span class="stat__value">{}</span>{}{}</p>\n'
        '  <figcaption class="card__caption">\n'
        '    <span class="stat__label">{}</span>\n'
        '    <span class="card__meta">{} · Source: {}</span>\n'
        "    {}\n    {}\n  </figcaption>\n</figure>\n",
        qualifier,
        value.display if value else "",
        unit,
        trend,
        statistic.label,
        _when(value),
        _source_link(source),
        newer_note,
        more,
    )


def value_inline(statistic, value, *, newer=None) -> SafeString:
    url = statistic.get_absolute_url()
    source = value.shown_source.publisher if value else statistic.source.publisher
    # The prose carries the qualifier ("around [[value:…]]"); the title says it as well.
    qualifier = f"{value.qualifier} " if value and value.qualifier else ""
    inline = format_html(
        '<a class="stat-inline" href="{}" title="{}: {}{}, {}. Source: {}">{}</a>',
        url,
        statistic.label,
        qualifier,
        value.display if value else "",
        value.date_display if value else "no value yet",
        source,
        value.display if value else "",
    )
    if not newer:
        return inline
    return _join(
        inline,
        format_html(
            '<sup class="stat-inline__newer"><a href="{}" title="A newer figure is available: {} ({})">'
            "newer figure</a></sup>",
            url,
            newer.display,
            newer.date_display,
        ),
    )


def claim_card(claim, *, on_fact_page: bool = False) -> SafeString:
    """A claim, who made it, and whose verdict it is: ours, or the publisher that gave it."""
    rating = claim.rating
    verdict_by = (
        mark_safe("Our fact-checkers’ verdict")
        if claim.is_our_verdict
        else format_html("Verdict by {}, not by our fact-checkers", claim.verdict_by)
    )
    if on_fact_page:  # the page's heading is the claim, and its list says who made it and when
        if not claim.is_our_verdict:
            # where they gave it, unless the evidence listed below the card names it already
            cited = {source.pk for source in claim.sources.all()}  # prefetched (for_cards)
            where = (
                format_html(
                    ', in <a href="{}">{}</a>',
                    claim.verdict_source.get_absolute_url(),
                    claim.verdict_source.title,
                )
                if claim.verdict_source_id and claim.verdict_source_id not in cited
                else ""
            )
            verdict_by = format_html("{}{}: their judgement, which we report", verdict_by, where)
        return format_html(
            '\n<figure class="card card--claim">\n'
            '  <p class="rating rating--{}"><span class="visually-hidden">Rating: </span>{}</p>\n'
            '  <figcaption class="card__caption">\n'
            '    <span class="claim__verdict-by">{}</span>\n'
            '    <span class="claim__explanation">{}</span>\n'
            "  </figcaption>\n</figure>\n",
            rating.verdict,
            rating.name,
            verdict_by,
            claim.explanation,
        )
    claimed_on = (
        format_html(' <span class="card__meta">{}</span>', _time(claim.claimed_on))
        if claim.claimed_on
        else ""
    )
    more = format_html(
        '<a class="card__more" href="{}">{}<span class="visually-hidden"> claim</span></a>',
        claim.get_absolute_url(),
        "How we checked this" if claim.is_our_verdict else "About this",
    )
    return format_html(
        '\n<figure class="card card--claim">\n'
        '  <p class="rating rating--{}"><span class="visually-hidden">Rating: </span>{}</p>\n'
        '  <blockquote class="card__claim"><p>{}</p></blockquote>\n'
        '  <figcaption class="card__caption">\n'
        '    <span class="card__who">Claimed by {}</span>{}\n'
        '    <span class="claim__verdict-by">{}</span>\n'
        '    <span class="claim__explanation">{}</span>\n'
        "    {}\n  </figcaption>\n</figure>\n",
        rating.verdict,
        rating.name,
        claim.text,
        claim.claimed_by,
        claimed_on,
        verdict_by,
        claim.explanation,
        more,
    )
