"""What the page cache knows of fact blocks: the tags of their pages, and which of those pages
show a changed fact, person, source, rating or value. The stories showing them are the stories
app's to name (``explainers/caching.py``)."""

from newsroom.core import pagecache

from . import embeds
from .models import FACT_MODELS, facts_showing


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


# --- Which fact pages show something -------------------------------------------------------------


def fact_pages_showing(obj) -> set[str]:
    """A fact block's own page and card, or those of every block showing a person, source,
    rating or value; and the pages listing facts (search, sitemap, source pages)."""
    showing = facts_showing(obj)
    if not showing:
        return set()
    tags = {pagecache.FACTS}
    for kind, blocks in showing.items():
        tags.update(fact_tag(kind, slug) for slug in blocks.values_list("slug", flat=True))
    if getattr(obj, "token_kind", None) in FACT_MODELS:
        tags.add(fact_tag(obj.token_kind, obj.slug))  # its new slug, when it was just changed
    return tags
