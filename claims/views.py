"""Public fact pages. A block is public only while a published story uses it."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt

from newsroom.core import usage
from newsroom.core.paging import paginate

from . import charts, embeds
from .models import (
    STORIES_LISTED,
    VALUES_WITH_SOURCES,
    Claim,
    ClaimRating,
    Quote,
    Source,
    Statistic,
    citing,
)

SOURCE_LIST_SIZE = 20


def quote_detail(request, slug):
    quote = get_object_or_404(Quote.objects.public().for_cards(), slug=slug)
    return _fact_page(request, "claims/quote_detail.html", quote, quote=quote)


def statistic_detail(request, slug):
    statistic = get_object_or_404(Statistic.objects.public().for_cards(), slug=slug)
    chart = charts.history_chart(statistic)
    return _fact_page(
        request, "claims/statistic_detail.html", statistic, statistic=statistic, chart=chart
    )


def claim_detail(request, slug):
    history = Prefetch("ratings", ClaimRating.objects.select_related("rating"))
    claim = get_object_or_404(
        Claim.objects.public().for_cards().prefetch_related(history), slug=slug
    )
    return _fact_page(request, "claims/claim_detail.html", claim, claim=claim)


def _fact_page(request, template, fact, **context):
    """A fact page lists the stories using it a page at a time (``?page=N``), newest first."""
    used_in = paginate(request, usage.index().public_stories(fact), STORIES_LISTED)
    notes = usage.index().public_notes_of(fact)
    return render(request, template, {"fact": fact, "used_in": used_in, "notes": notes, **context})


@dataclass
class FirstOf:
    """The first few items of a list, and how many it holds in all."""

    items: list
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


def source_detail(request, slug):
    """A source's public figures, quotes and claims: the first SOURCE_LIST_SIZE of each."""
    source = get_object_or_404(Source.objects.public_with_counts(), slug=slug)
    statistics = (
        citing(source, kind="statistic")
        .public()
        .prefetch_related(VALUES_WITH_SOURCES)
        .order_by("label", "pk")
    )
    quotes = (
        citing(source, kind="quote")
        .public()
        .select_related("speaker")
        .order_by("-said_on", "speaker__name", "pk")
    )
    claims = (
        citing(source, kind="claim")
        .public()
        .select_related("rating", "claimant")
        .order_by("-claimed_on", "text", "pk")
    )
    context = {
        "source": source,
        "statistics": FirstOf(list(statistics[:SOURCE_LIST_SIZE]), source.public_statistic_count),
        "quotes": FirstOf(list(quotes[:SOURCE_LIST_SIZE]), source.public_quote_count),
        "claims": FirstOf(list(claims[:SOURCE_LIST_SIZE]), source.public_claim_count),
    }
    return render(request, "claims/source_detail.html", context)


@xframe_options_exempt
def embed(request, kind, slug):
    """A fact card for other sites' iframes: the only pages that may be framed."""
    fact = get_object_or_404(embeds.public_facts(kind), slug=slug)
    context = {"fact": fact, kind: fact, "kind": kind}
    if kind == "statistic":  # the card, then the chart and table of its history
        context.update(embeds.statistic_history(fact))
    # The site's Content Security Policy applies here too, with frame-ancestors opened up for
    # /embed/ by newsroom.middleware.ContentSecurityPolicyMiddleware.
    return render(request, "claims/embed_card.html", context)


def oembed(request):
    """oEmbed (https://oembed.com) for fact pages and cards: JSON only."""
    if request.GET.get("format", "json") != "json":
        return JsonResponse({"error": "Only the json format is supported."}, status=501)
    found = embeds.fact_in_url(request.GET.get("url", ""), host=request.get_host())
    if found is None:
        raise Http404("Not a fact page on this site.")
    kind, slug = found
    fact = get_object_or_404(embeds.public_facts(kind), slug=slug)
    width, height = embeds.size(
        kind, _positive(request, "maxwidth"), _positive(request, "maxheight")
    )
    absolute = request.build_absolute_uri
    return JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "title": embeds.title(fact),
            "provider_name": settings.NEWSROOM_SITE_NAME,
            "provider_url": absolute(reverse("home")),
            "html": embeds.iframe_html(fact, absolute, width=width, height=height),
            "width": width,
            "height": height,
            "cache_age": 300,
        }
    )


def _positive(request, name) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 10_000 else None
