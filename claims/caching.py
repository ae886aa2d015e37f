"""What the page cache knows of fact blocks: the tags of their pages, the objects each page shows
(its surrogate keys), and the names a change to a fact, person, source, rating or value touches.
The stories showing them carry their keys (``explainers/caching.py``), so they are never named
here."""

from django.db.models import Q

from newsroom.core import pagecache

from . import embeds
from .models import (
    FACT_MODELS,
    Claim,
    FactBlock,
    Person,
    PersonRole,
    Quote,
    Rating,
    Source,
    Statistic,
    StatisticValue,
    citing,
)


def fact_tag(kind: str, slug: str) -> str:
    return pagecache.tag(kind, slug)


# --- Tags of each route, from the URL alone ------------------------------------------------------


def fact_page_tags(kind: str):
    def tags(request, slug, **kwargs) -> list[str]:
        return [fact_tag(kind, slug)]

    return tags


def embed_tags(request, slug, kind, **kwargs) -> list[str]:
    return [fact_tag(kind, slug)]


def oembed_tags(request, *args, **kwargs) -> list[str]:
    found = embeds.fact_in_url(request.GET.get("url", ""))
    return [fact_tag(*found)] if found else [pagecache.FACTS]


# --- What each page shows: its object keys, once it has been rendered ---------------------------

# For each kind, the columns naming what its page and card show: the block, the people on it,
# its sources (a statistic's values' too) and a claim's ratings, past ones included.
SHOWN = {
    "quote": (("speaker_id", Person), ("source_id", Source)),
    "statistic": (("source_id", Source), ("values__source_id", Source)),
    "claim": (
        ("claimant_id", Person),
        ("rating_id", Rating),
        ("ratings__rating_id", Rating),
        ("made_in_id", Source),
        ("verdict_source_id", Source),
        ("sources__id", Source),
    ),
}


def keys_of_fact(kind: str, slug: str) -> list[str]:
    """The keys of a fact block's page or card: one query, made only when it is rendered."""
    model = FACT_MODELS.get(kind)
    if model is None:
        return []
    columns = SHOWN[kind]
    rows = model.objects.filter(slug=slug).values_list("pk", *(name for name, _ in columns))
    keys = []
    for pk, *shown in rows:
        keys.append(pagecache.key_for(model, pk))
        for (_, shown_model), shown_pk in zip(columns, shown, strict=True):
            if shown_pk is not None:
                keys.append(pagecache.key_for(shown_model, shown_pk))
    return pagecache.bounded(keys)


def fact_page_keys(kind: str):
    def keys(request, slug, **kwargs) -> list[str]:
        return keys_of_fact(kind, slug)

    return keys


def embed_keys(request, slug, kind, **kwargs) -> list[str]:
    return keys_of_fact(kind, slug)


def oembed_keys(request, *args, **kwargs) -> list[str]:
    found = embeds.fact_in_url(request.GET.get("url", ""))
    return keys_of_fact(*found) if found else []


def source_page_keys(request, slug, **kwargs) -> list[str]:
    """The source's own key (what it lists is on the ``facts`` tag)."""
    pks = Source.objects.filter(slug=slug).values_list("pk", flat=True)
    return [pagecache.key_for(Source, pk) for pk in pks]


# --- Which names a change touches --------------------------------------------------------------


def fact_pages_showing(obj) -> set[str]:
    """While readers can see it (a block ``public()``, a person or source on one, a rating of
    one, a value of one): the key of the object every page showing it carries (a value's
    statistic, a role's person), and the pages listing facts (search, sitemap, source pages).
    Nothing otherwise: a fact only a draft uses is on no public page."""
    shown = _shown_as(obj)
    if shown is None or shown.pk is None or not _is_public(shown):
        return set()
    return {pagecache.FACTS, pagecache.object_key(shown)}


def _shown_as(obj):
    """The object whose key pages carry for ``obj``."""
    if isinstance(obj, FactBlock | Person | Source | Rating):
        return obj
    if isinstance(obj, StatisticValue):
        return Statistic(pk=obj.statistic_id)
    if isinstance(obj, PersonRole):
        return Person(pk=obj.person_id)
    return None


def _is_public(obj) -> bool:
    if isinstance(obj, FactBlock):
        return type(obj).objects.public().filter(pk=obj.pk).exists()
    if isinstance(obj, Person):
        return (
            Quote.objects.public().filter(speaker=obj.pk).exists()
            or Claim.objects.public().filter(claimant=obj.pk).exists()
        )
    if isinstance(obj, Source):
        return any(
            citing(obj, kind=kind).public().exists() for kind in ("quote", "statistic", "claim")
        )
    rated = Q(rating=obj.pk) | Q(ratings__rating=obj.pk)
    return Claim.objects.public().filter(rated).exists()
