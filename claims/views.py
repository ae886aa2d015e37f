"""Public fact pages. A block is public only while a published story uses it."""

from django.shortcuts import get_object_or_404, render

from .models import Claim, Quote, Source, Statistic


def quote_detail(request, slug):
    quote = get_object_or_404(
        Quote.objects.public().select_related("speaker", "source").with_public_uses(), slug=slug
    )
    return render(request, "claims/quote_detail.html", {"fact": quote, "quote": quote})


def statistic_detail(request, slug):
    statistic = get_object_or_404(
        Statistic.objects.public().select_related("source").prefetch_related("values").with_public_uses(),
        slug=slug,
    )
    return render(
        request, "claims/statistic_detail.html", {"fact": statistic, "statistic": statistic}
    )


def claim_detail(request, slug):
    claim = get_object_or_404(
        Claim.objects.public()
        .select_related("rating", "claimant")
        .prefetch_related("sources")
        .with_public_uses(),
        slug=slug,
    )
    return render(request, "claims/claim_detail.html", {"fact": claim, "claim": claim})


def source_detail(request, slug):
    source = get_object_or_404(Source.objects.public(), slug=slug)
    context = {
        "source": source,
        "quotes": source.quotes.public().select_related("speaker"),
        "statistics": source.statistics.public().prefetch_related("values"),
        "claims": source.claims.public().select_related("rating", "claimant"),
    }
    return render(request, "claims/source_detail.html", context)
