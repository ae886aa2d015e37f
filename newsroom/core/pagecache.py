"""Full-page caching of the public site, shared by every app server through Django's cache.

Each cached page depends on *tags* known from its URL alone: ``explainer:<slug>``,
``quote:<slug>``, ``statistic:<slug>``, ``claim:<slug>``, ``lists`` (home, topics, feeds) and
``facts`` (search, sitemap, source pages). A tag's current token is a random string in the cache;
a page is stored with the tokens it was rendered under, and served only while they are unchanged.
Changing content replaces the tokens (on commit), so every server sharing the cache (Redis) stops
serving the old page at once; nothing needs to be deleted or enumerated.

Pages are keyed on the host and the full path, query string included, so each page of a long
list (``?page=2``, see ``core/paging.py``) is cached on its own; its tags come from the route
alone, so every page of a list goes stale together with the first.

The core knows no model. The apps tell it, when they start:

- which tags show an object (``register_finder``): the stories app answers for stories and for
  the stories showing a fact, person, source, topic or media item; the facts app for fact pages;
- when the next page may change with nobody writing anything (``register_next_change``): a
  story scheduled for later appears on its own, so pages are kept no longer than until then.

A workflow verb calls ``changing(obj)`` inside its transaction before it changes or deletes
``obj``: on commit every tag that showed it before, or shows it after, gets a new token. What a
change means (which objects a verb changes) stays in the verb.

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
LISTS = "lists"  # lists of stories: home, topic pages, feeds
FACTS = "facts"  # pages listing fact blocks: search, sitemap, source pages
# What every page shows around its content (the masthead's topics): every cached page has it.
SITE = "site"


def tag(kind: str, slug: str) -> str:
    """The tag of one object's pages, e.g. ``tag("explainer", slug)``."""
    return f"{kind}:{slug}"


# --- Tokens ------------------------------------------------------------------------------------


def bump(tags: Iterable[str]) -> None:
    """Give each tag a new token: every page rendered under the old one is stale everywhere."""
    tags = set(tags)
    if tags:
        cache.set_many({TAG_PREFIX + name: uuid.uuid4().hex for name in tags}, timeout=None)


def _tokens(keys: list[str], found: dict) -> dict:
    missing = [key for key in keys if key not in found]
    for key in missing:  # first use of a tag (or evicted): start it, keep a concurrent start
        cache.add(key, uuid.uuid4().hex, timeout=None)
    if missing:
        found = {**found, **cache.get_many(missing)}
    return {key: found.get(key) for key in keys}


def token(name: str) -> str:
    """A tag's current token: changes whenever ``name`` is bumped (for values kept per tag)."""
    key = TAG_PREFIX + name
    return _tokens([key], cache.get_many([key]))[key]


# --- What a change refreshes: the apps say which pages show what -------------------------------

Finder = Callable[[object], Iterable[str]]
_finders: list[Finder] = []
_next_change: list[Callable[[int], int]] = []
_stale_markers: list[Callable[[tuple], None]] = []


def register_finder(finder: Finder) -> Finder:
    """``finder(obj)`` gives the tags of the pages that show ``obj`` now (any model; an empty
    answer for a model it does not know). Called before a change and again after its commit."""
    if finder not in _finders:
        _finders.append(finder)
    return finder


def register_next_change(seconds: Callable[[int], int]) -> None:
    """``seconds(limit)``: how long a page may be kept, at most ``limit``, before content
    changes by itself (a scheduled story going live)."""
    if seconds not in _next_change:
        _next_change.append(seconds)


def register_stale_marker(marker: Callable[[tuple], None]) -> None:
    """``marker(objects)`` is called inside the transaction that changes ``objects``, before
    the change: it marks the stored renderings that show them stale in that transaction (so no
    request can serve them once it commits) and may re-render them on commit. The stories app
    marks the stories showing them (``explainers/rendered.py``); the facts app, fact cards."""
    if marker not in _stale_markers:
        _stale_markers.append(marker)


def pages_showing(obj) -> set[str]:
    tags = set()
    for finder in _finders:
        tags.update(finder(obj))
    return tags


def changing(*objects) -> None:
    """Call inside the transaction that changes or deletes ``objects``, before changing them.

    The pages showing them now are found at once (a delete removes the links that find them);
    when the transaction commits, those and the pages showing them then are refreshed on every
    server. The stored renderings showing them are marked stale in the transaction itself
    (``register_stale_marker``). Nothing is refreshed if the transaction rolls back.
    """
    before = set().union(*(pages_showing(obj) for obj in objects))
    for mark_stale in _stale_markers:
        mark_stale(objects)

    def after_commit():
        bump(before.union(*(pages_showing(obj) for obj in objects)))

    transaction.on_commit(after_commit)


# --- Serving -----------------------------------------------------------------------------------


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


def cache_public_page(tags: Callable[..., list[str]], *, site: bool = True):
    """Cache a public view's page under ``tags(request, **kwargs)``; see the module docstring.
    ``site=False`` for what has no masthead (feeds, sitemaps, embeds, oEmbed): a change to
    what every page shows around its content (``SITE``) leaves it alone."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if _bypass(request):
                response = view(request, *args, **kwargs)
                if settings.SESSION_COOKIE_NAME in request.COOKIES:
                    patch_cache_control(response, private=True)
                return response
            page_key = _page_key(request)
            names = [*dict.fromkeys([*tags(request, *args, **kwargs), *([SITE] if site else [])])]
            tag_keys = [TAG_PREFIX + name for name in names]
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


def _keep_for() -> int:
    seconds = settings.NEWSROOM_PAGE_CACHE_SECONDS
    for until_next_change in _next_change:
        seconds = min(seconds, until_next_change(seconds))
    return max(1, seconds)


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
    cache.set(page_key, entry, timeout=_keep_for())
    return entry


# --- Tags of routes that any page may use --------------------------------------------------------


def lists_tags(request, *args, **kwargs) -> list[str]:
    return [LISTS]


def lists_and_facts_tags(request, *args, **kwargs) -> list[str]:
    return [LISTS, FACTS]
