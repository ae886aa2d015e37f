"""The block picker's search: the tokens an editor can insert for a few typed words."""

from django.db.models import Q

from claims.models import VALUES_WITH_SOURCES, Claim, Quote, Statistic

from .models import Media

PICKER_LIMIT = 8


def search_blocks(term: str) -> list[dict]:
    """Select2 groups of tokens for quotes, statistics, claims and media matching ``term``."""
    groups = []

    quotes = Quote.objects.select_related("speaker")
    if term:
        quotes = quotes.filter(
            Q(text__icontains=term) | Q(speaker__name__icontains=term) | Q(slug__icontains=term)
        )
    options = []
    for quote in quotes[:PICKER_LIMIT]:
        options.append((f"[[quote:{quote.slug}]]", f"Quote card · {quote}"))
        options.append((f"[[said:{quote.slug}]]", f"Quoted words in a sentence · {quote}"))
    groups.append(("Quotes", options))

    statistics = Statistic.objects.select_related("source").prefetch_related(VALUES_WITH_SOURCES)
    if term:
        statistics = statistics.filter(Q(label__icontains=term) | Q(slug__icontains=term))
    options = []
    for stat in statistics[:PICKER_LIMIT]:
        current = stat.current
        shown = current.display if current else "no value yet"
        options.append((f"[[statistic:{stat.slug}]]", f"Statistic card · {stat.label} · {shown}"))
        options.append((f"[[value:{stat.slug}]]", f"Value in a sentence · {shown} · {stat.label}"))
        if current:
            day = current.sort_date
            options.append(
                (
                    f"[[statistic:{stat.slug}@{day.isoformat()}]]",
                    f"Statistic card pinned to {day:%-d %b %Y} · {stat.label} · {shown}",
                )
            )
    groups.append(("Statistics", options))

    claims = Claim.objects.select_related("rating", "claimant")
    if term:
        claims = claims.filter(Q(text__icontains=term) | Q(slug__icontains=term))
    groups.append(
        (
            "Claims",
            [
                (f"[[claim:{c.slug}]]", f"Claim card · {c} · {c.rating}")
                for c in claims[:PICKER_LIMIT]
            ],
        )
    )

    media = Media.objects.all()
    if term:
        media = media.filter(
            Q(title__icontains=term) | Q(caption__icontains=term) | Q(slug__icontains=term)
        )
    groups.append(("Media", [(f"[[media:{m.slug}]]", str(m)) for m in media[:PICKER_LIMIT]]))

    return [
        {"text": label, "children": [{"id": token, "text": text} for token, text in options]}
        for label, options in groups
        if options
    ]
