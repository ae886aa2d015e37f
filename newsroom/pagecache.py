"""Full-page caching of the public site, shared by every app server through Django's cache.

Each cached page depends on *tags* known from its URL alone: ``explainer:<slug>``,
``quote:<slug>``, ``statistic:<slug>``, ``claim:<slug>``, ``lists`` (home, topics, feeds) and
``facts`` (search, sitemap, source pages). A tag's current token is a random string in the cache;
a page is stored with the tokens it was rendered under, and served only while they are unchanged.
Changing content replaces the tokens (on commit), so every server sharing the cache (Redis) stops
serving the old page at once; nothing needs to be deleted or enumerated.

Pages are keyed on the host and the full path, query string included, so each page of a long
list (``?page=2``, see newsroom/paging.py) is cached on its own; its tags come from the route
alone, so every page of a list goes stale together with the first.

- The workflow calls ``story_changing(story)`` before it changes what readers see of a story:
  on commit the story's tag, ``lists``, ``facts`` and every fact it used or now uses are bumped.
- The admin calls ``fact_changed(fact)`` when a fact block changes: its tag, ``facts`` and every
  published story using it are bumped.
- The admin calls ``shown_item_changed(obj)`` when a person, source, rating, topic or media item
  changes: every story and fact block showing it, ``lists`` and ``facts`` are bumped.
- A story scheduled for later needs no job: pages are stored only until the next scheduled time.

A warm page costs no database query: tokens and page come from the cache in one round trip, and
sessions are never touched (a request with a session cookie, e.g. staff, bypasses the cache).
Previews and the admin are never cached; only 200 responses are stored.
"""

import functools
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

TAG_PREFIX = "pagecache:tag:"
PAGE_PREFIX = "pagecache:page:"
LISTS = "lists"
FACTS = "facts"
FACT_KINDS = ("quote", "statistic", "claim")


# --- Tags --------------------------------------------------------------------------------------


def explainer_tag(slug: str) -> str:
    return f"explainer:{slug}"


def fact_tag(kind: str, slug: str) -> str:
    return f"{kind}:{slug}"


def bump(tags: Iterable[str]) -> None:
    """Give each tag a new token: every page rendered under the old one is stale everywhere."""
    tags = set(tags)
    if tags:
        cache.set_many({TAG_PREFIX + tag: uuid.uuid4().hex for tag in tags}, timeout=None)


def _tokens(keys: list[str], found: dict) -> dict:
    missing = [key for key in keys if key not in found]
    for key in missing:  # first use of a tag (or evicted): start it, keep a concurrent start
        cache.add(key, uuid.uuid4().hex, timeout=None)
    if missing:
        found = {**found, **cache.get_many(missing)}
    return {key: found.get(key) for key in keys}


# --- Invalidation, called by the workflow and the admin ----------------------------------------


def _story_state(pk: int) -> tuple[str | None, set[str]]:
    """The story's slug and the tags of every fact block in it (two queries)."""
    from explainers.models import Explainer, SectionBlock

    slug = Explainer.objects.filter(pk=pk).values_list("slug", flat=True).first()
    tags = set()
    blocks = SectionBlock.objects.filter(section__explainer_id=pk).values_list(
        "quote__slug", "statistic__slug", "claim__slug"
    )
    for row in blocks:
        for kind, slug_ in zip(FACT_KINDS, row, strict=True):
            if slug_:
                tags.add(fact_tag(kind, slug_))
    return slug, tags


def story_changing(story) -> None:
    """Call inside the workflow's transaction, before changing what readers see of ``story``."""
    before_slug, before_facts = _story_state(story.pk)

    def after_commit():
        slug, facts = _story_state(story.pk)
        slugs = {s for s in (before_slug, slug) if s}
        bump({LISTS, FACTS, *(explainer_tag(s) for s in slugs), *before_facts, *facts})

    transaction.on_commit(after_commit)


def fact_changed(fact, *, old_slug: str | None = None) -> None:
    """Call when a quote, statistic or claim changes; bumps its pages and the stories using it."""
    kind = fact.token_kind

    def after_commit():
        stories = (
            fact.section_blocks.published()
            .values_list("section__explainer__slug", flat=True)
            .distinct()
        )
        slugs = {s for s in (old_slug, fact.slug) if s}
        bump({FACTS, *(fact_tag(kind, s) for s in slugs), *(explainer_tag(s) for s in stories)})

    transaction.on_commit(after_commit)


def _pages_showing(obj) -> set[str]:
    """Tags of every page that shows ``obj``, a person, source, rating, topic or media item."""
    from django.db.models import Q

    from explainers.models import Explainer, SectionBlock

    label = obj._meta.label
    uses = {
        "claims.Person": Q(quote__speaker=obj) | Q(claim__claimant=obj),
        "claims.Source": Q(quote__source=obj) | Q(statistic__source=obj) | Q(claim__sources=obj),
        "claims.Rating": Q(claim__rating=obj),
        "explainers.Media": Q(media=obj),
    }.get(label)
    tags = {LISTS, FACTS}  # teasers, topic and source pages, search
    if uses is not None:
        rows = SectionBlock.objects.filter(uses).values_list(
            "section__explainer__slug", "quote__slug", "statistic__slug", "claim__slug"
        )
        for story, *facts in rows.distinct():
            tags.add(explainer_tag(story))
            tags.update(
                fact_tag(kind, slug) for kind, slug in zip(FACT_KINDS, facts, strict=True) if slug
            )
    stories = {"explainers.Media": Q(hero=obj), "explainers.Topic": Q(topics=obj)}.get(label)
    if stories is not None:
        slugs = Explainer.objects.filter(stories).values_list("slug", flat=True)
        tags.update(explainer_tag(slug) for slug in slugs)
    return tags


def shown_item_changed(obj) -> None:
    """Call when a person, source, rating, topic or media item is saved or deleted: every page
    showing it is bumped on commit. The pages are found now, before a delete removes the links."""
    tags = _pages_showing(obj)
    transaction.on_commit(lambda: bump(tags))


class RefreshPagesShowingIt:
    """Admin mixin for the things stories and fact blocks show: saving or deleting one refreshes
    every cached page showing it (see ``shown_item_changed``)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            shown_item_changed(obj)

    def delete_model(self, request, obj):
        shown_item_changed(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            shown_item_changed(obj)
        super().delete_queryset(request, queryset)


# --- Serving -----------------------------------------------------------------------------------


def _seconds_until_next_scheduled(limit: int) -> int:
    """A story scheduled for later appears on its own: keep pages no longer than until then."""
    from django.db.models import Min
    from django.utils import timezone

    from explainers.models import Explainer

    now = timezone.now()
    upcoming = Explainer.objects.filter(
        status=Explainer.Status.PUBLISHED, published_at__gt=now, draft_of__isnull=True
    ).aggregate(next=Min("published_at"))["next"]
    if upcoming is None:
        return limit
    return max(1, min(limit, int((upcoming - now).total_seconds()) + 1))


def _page_key(request) -> str:
    raw = f"{request.get_host()}|{request.get_full_path()}"
    return PAGE_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def _set_headers(response, entry) -> None:
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    patch_cache_control(response, public=True, max_age=settings.NEWSROOM_CDN_MAX_AGE)


def _from_entry(entry) -> HttpResponse:
    response = HttpResponse(entry["content"], status=entry["status"])
    for header, value in entry["headers"]:
        response[header] = value
    if entry["xframe_exempt"]:
        response.xframe_options_exempt = True
    return response


BENCH_BYPASS_HEADER = "X-Bench-Page-Cache"
BENCH_BYPASS_META = "HTTP_X_BENCH_PAGE_CACHE"  # request.headers would be built on every request


def _bypass(request) -> bool:
    return (
        not settings.NEWSROOM_PAGE_CACHE_SECONDS
        or request.method not in ("GET", "HEAD")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        # scripts/loadtest measures uncached pages with "X-Bench-Page-Cache: off"; honoured only
        # with the benchmark setting, which is never on in production.
        or (settings.NEWSROOM_BENCHMARK_VIEWS and request.META.get(BENCH_BYPASS_META) == "off")
    )


def cache_public_page(tags: Callable[..., list[str]]):
    """Cache a public view's page under ``tags(request, **kwargs)``; see the module docstring."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if _bypass(request):
                response = view(request, *args, **kwargs)
                if settings.SESSION_COOKIE_NAME in request.COOKIES:
                    patch_cache_control(response, private=True)
                return response
            page_key = _page_key(request)
            tag_keys = [TAG_PREFIX + tag for tag in tags(request, *args, **kwargs)]
            found = cache.get_many([page_key, *tag_keys])
            entry = found.pop(page_key, None)
            tokens = _tokens(tag_keys, found)
            if entry is not None and entry["tokens"] == tokens:
                response = _from_entry(entry)
                response["X-Page-Cache"] = "hit"
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming or response.cookies:
                    return response
                if hasattr(response, "render"):
                    response.render()
                entry = _store(page_key, response, tokens, previous=entry)
                response["X-Page-Cache"] = "miss"
            _set_headers(response, entry)
            return (
                get_conditional_response(
                    request,
                    etag=entry["etag"],
                    last_modified=int(entry["last_modified"]),
                    response=response,
                )
                or response
            )

        return wrapper

    return decorator


def _store(page_key, response, tokens, *, previous) -> dict:
    etag = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
    # Last-Modified moves only when the content does, however often the page is re-rendered.
    same = previous is not None and previous["etag"] == etag
    entry = {
        "tokens": tokens,
        "status": response.status_code,
        "content": response.content,
        "headers": [
            (header, value)
            for header, value in response.items()
            if header.lower() not in {"etag", "last-modified", "cache-control", "x-page-cache"}
        ],
        "xframe_exempt": getattr(response, "xframe_options_exempt", False),
        "etag": etag,
        "last_modified": previous["last_modified"] if same else time.time(),
    }
    seconds = _seconds_until_next_scheduled(settings.NEWSROOM_PAGE_CACHE_SECONDS)
    cache.set(page_key, entry, timeout=seconds)
    return entry


# --- Tags of each public route, from the URL alone ---------------------------------------------


def lists_tags(request, *args, **kwargs) -> list[str]:
    return [LISTS]


def lists_and_facts_tags(request, *args, **kwargs) -> list[str]:
    return [LISTS, FACTS]


def explainer_tags(request, slug, **kwargs) -> list[str]:
    return [explainer_tag(slug)]


def fact_tags(kind: str):
    def tags(request, slug, **kwargs) -> list[str]:
        return [fact_tag(kind, slug)]

    return tags


def embed_tags(request, slug, kind, **kwargs) -> list[str]:
    return [fact_tag(kind, slug)]


def oembed_tags(request, *args, **kwargs) -> list[str]:
    from urllib.parse import urlsplit

    from claims.embeds import resolve_fact_path

    found = resolve_fact_path(urlsplit(request.GET.get("url", "")).path)
    return [fact_tag(*found)] if found else [FACTS]
