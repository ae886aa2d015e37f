"""Embeddable fact cards: the iframe code partners paste, and the oEmbed answer that gives it.

A card is a small page of its own (``claims:embed_<kind>``), framed by other sites; it shows the
fact as it is now (a statistic's current value) and links back to its fact page.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html

from . import cards, charts
from .models import Claim, Quote, Statistic

# Width and height of the iframe, generous enough for the longest card at 560 px (a statistic's
# with the chart of its history, its table folded away).
SIZES = {"quote": (560, 300), "statistic": (560, 540), "claim": (560, 380)}
MIN_WIDTH = 280


def public_facts(kind: str):
    """The read shape of each kind of card: one query (two for a statistic's values)."""
    if kind == "quote":
        return Quote.objects.public().for_cards()
    if kind == "statistic":
        return Statistic.objects.public().for_cards()
    return Claim.objects.public().for_cards()


def statistic_history(statistic) -> dict:
    """What a statistic's card page shows below the card: the chart of its values and their
    table. The card leaves out its sparkline, which the chart makes redundant."""
    return {
        "card": cards.statistic_card(statistic, statistic.current, sparkline=False),
        "chart": charts.history_chart(statistic),
        "history": statistic.history,
    }


def embed_url(fact) -> str:
    return reverse(f"claims:embed_{fact.token_kind}", kwargs={"slug": fact.slug})


def title(fact) -> str:
    if fact.token_kind == "quote":
        return f"{fact.speaker.name}: “{fact.text}”"
    if fact.token_kind == "statistic":
        return fact.label
    return f"Claim checked: {fact.text}"


def size(kind: str, maxwidth: int | None = None, maxheight: int | None = None) -> tuple[int, int]:
    width, height = SIZES[kind]
    if maxwidth:
        width = max(MIN_WIDTH, min(width, maxwidth))
    if maxheight:
        height = min(height, maxheight)
    return width, height


def iframe_html(fact, absolute, *, width=None, height=None) -> str:
    default_width, default_height = SIZES[fact.token_kind]
    return format_html(
        '<iframe src="{}" title="{}" width="{}" height="{}" loading="lazy" '
        'style="border:0;max-width:100%"></iframe>',
        absolute(embed_url(fact)),
        f"{settings.NEWSROOM_SITE_NAME}: {title(fact)}",
        width or default_width,
        height or default_height,
    )


FACT_ROUTES = {
    "claims:quote": "quote",
    "claims:statistic": "statistic",
    "claims:claim": "claim",
    "claims:embed_quote": "quote",
    "claims:embed_statistic": "statistic",
    "claims:embed_claim": "claim",
}


def fact_in_url(url: str, *, host: str | None = None) -> tuple[str, str] | None:
    """(kind, slug) for a fact page or card URL, else None, whatever the URL holds: one that
    cannot be parsed (``http://[::1``) is no fact page, never an error. With ``host``, only
    URLs on that host count."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        return None
    if host is not None and netloc != host:
        return None
    return resolve_fact_path(parts.path)


def resolve_fact_path(path: str) -> tuple[str, str] | None:
    """(kind, slug) for a fact page or card path on this site, else None."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    kind = FACT_ROUTES.get(match.view_name)
    return (kind, match.kwargs["slug"]) if kind else None
