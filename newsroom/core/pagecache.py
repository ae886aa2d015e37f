"""Full-page caching of the public site, shared by every app server through Django's cache, and
the surrogate keys that let a shared HTTP cache in front (Varnish, a CDN) purge exactly.

Each cached page depends on *names* of two sorts, and a name's current token is a random string
in the cache:

- *route tags*, known from the URL alone: ``explainer:<slug>``, ``quote:<slug>``,
  ``statistic:<slug>``, ``claim:<slug>``, ``lists`` (home, topics, feeds), ``facts`` (search,
  sitemap, source pages) and ``site`` (the masthead every page has);
- *object keys*, the objects the page shows, known once it is rendered: ``explainer-7``,
  ``quote-12``, ``person-3``, ``source-3``, ``topic-2`` (the model's name and the primary key,
  ``object_key``). A view names them on its response (``response.surrogate_keys``: a story's
  are stored with its rendering) or its route gives a function that does (``keys=``).

A page is stored with the tokens it was rendered under and served only while they are
unchanged. Changing content replaces the tokens of the names it touches (on commit), so every
server sharing the cache (Redis) stops serving the old page at once; nothing is deleted or
enumerated. A source shown by 100,000 stories is one name, ``source-3``, not 100,000 tags.

Every page also carries its names in the ``xkey`` and ``Surrogate-Key`` headers (space-separated;
at most ``MAX_OBJECT_KEYS`` object keys, beyond which the coarse ``facts`` and ``lists`` stand
in for them), and ``Surrogate-Control: max-age`` says how long a shared cache may keep it. The
same names a change replaces here are purged there: on commit, one task (``core/purge.py``)
sends them to each Varnish in ``NEWSROOM_VARNISH_URLS``. With the page cache off
(``NEWSROOM_PAGE_CACHE_SECONDS=0``) pages carry none of these headers, and no shared cache
keeps them.

Pages are keyed on the host and the full path, query string included, so each page of a long
list (``?page=2``, see ``core/paging.py``) is cached on its own; its tags come from the route
alone, so every page of a list goes stale together with the first. Tracking parameters
(``utm_*``, ``fbclid``, ``gclid``…) are dropped from the request first: they never make a page
of their own, here or in Varnish (``newsroom/varnish/newsroom.vcl`` drops the same).

The core knows no model. The apps tell it, when they start:

- which names a change to an object touches (``register_finder``): the stories app answers for
  stories, topics, authors and media, the facts app for fact blocks, people, sources, ratings
  and values. Each answers with the object's own key and the route tags of the lists it is on,
  and with nothing while readers cannot see it (a draft, a working copy, a fact only a draft
  uses): such a change refreshes and purges nothing;
- when the next page may change with nobody writing anything (``register_next_change``): a
  story scheduled for later appears on its own, so pages are kept no longer than until then.

A workflow verb calls ``changing(obj)`` inside its transaction before it changes or deletes
``obj``: on commit every name that showed it before, or shows it after, gets a new token, and
those names are purged from the shared cache in front, once for the whole transaction.

A warm page costs no database query: tokens and page come from the cache in one round trip (a
second one for the tokens of its object keys, when it has any), and sessions are never touched
(a request with a session cookie, e.g. staff, bypasses the cache). Previews and the admin are
never cached; only 200 responses are stored.

A page rendered while a change committed is not stored, here or in front: every change gives
``CHANGES_KEY`` a new value too, and a page whose render saw it move is served with
``Surrogate-Control: max-age=0`` and kept nowhere, since its object keys' tokens, read after it
was rendered, could already be the new ones.
"""

import functools
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from .purge import purge_keys

logger = logging.getLogger(__name__)

TAG_PREFIX = "pagecache:tag:"
PAGE_PREFIX = "pagecache:page:"
# New with every change that replaces tokens: a page rendered while it moved is not stored.
CHANGES_KEY = "pagecache:changes"
ENTRY_FORMAT = 2  # entries stored by other code (no object keys) count as stale
LISTS = "lists"  # lists of stories: home, topic pages, feeds
FACTS = "facts"  # pages listing fact blocks: search, sitemap, source pages
# What every page shows around its content (the masthead's topics): every cached page has it.
SITE = "site"
# A page naming more objects than this names the coarse route tags instead (every change to
# something a story shows replaces ``facts`` or ``lists`` as well as its own key).
MAX_OBJECT_KEYS = 200
COARSE = (FACTS, LISTS)
SURROGATE_HEADERS = ("xkey", "Surrogate-Key")
# Query parameters that only say where a reader came from: they never make a page of their own.
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "_ga"})


def tag(kind: str, slug: str) -> str:
    """The tag of one object's pages, e.g. ``tag("explainer", slug)``."""
    return f"{kind}:{slug}"


def key_for(model, pk) -> str:
    """The key of one object on every page showing it: ``quote-12``."""
    return f"{model._meta.model_name}-{pk}"


def object_key(obj) -> str:
    return key_for(type(obj), obj.pk)


def bounded(keys: Iterable[str]) -> list[str]:
    """``keys`` once each, in order; past ``MAX_OBJECT_KEYS``, the first (the page's own
    object) and the coarse tags instead, so a header never grows without bound."""
    keys = list(dict.fromkeys(keys))
    return keys if len(keys) <= MAX_OBJECT_KEYS else [*keys[:1], *COARSE]


_UNSAFE = re.compile(r"[^A-Za-z0-9_.:~-]")


def surrogate(name: str) -> str:
    """A name as a surrogate key: no spaces or commas (which separate keys), plain ASCII."""
    return _UNSAFE.sub("_", name)


# --- Tokens ------------------------------------------------------------------------------------


def bump(tags: Iterable[str]) -> None:
    """Give each tag a new token: every page rendered under the old one is stale everywhere."""
    tags = set(tags)
    if tags:
        # ``CHANGES_KEY`` moves in the same write, first: a render that reads a new token
        # also sees it move (``_store``).
        cache.set_many(
            {
                CHANGES_KEY: uuid.uuid4().hex,
                **{TAG_PREFIX + name: uuid.uuid4().hex for name in tags},
            },
            timeout=None,
        )


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


# --- What a change refreshes: the apps say which names show what -------------------------------

Finder = Callable[[object], Iterable[str]]
_finders: list[Finder] = []
_next_change: list[Callable[[int], int]] = []
_stale_markers: list[Callable[[tuple], None]] = []


def register_finder(finder: Finder) -> Finder:
    """``finder(obj)`` gives the names (route tags and object keys) a change to ``obj`` touches
    now (any model; an empty answer for a model it does not know, or an object readers cannot
    see). Called before a change and again after its commit."""
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

    The names showing them now are found at once (a delete removes the links that find them);
    when the transaction commits, those and the names showing them then are refreshed on every
    server and purged from the shared cache in front: once, however many changes the
    transaction made. The stored renderings showing them are marked stale in the transaction
    itself (``register_stale_marker``). Nothing happens if the transaction rolls back.
    """
    before = set().union(*(pages_showing(obj) for obj in objects))
    for mark_stale in _stale_markers:
        mark_stale(objects)
    connection = transaction.get_connection()
    pending = getattr(connection, "newsroom_page_changes", None)
    # Still waiting for this transaction's commit? (A rollback drops it from the list.)
    waiting = (
        pending is not None
        and connection.in_atomic_block
        and any(
            getattr(entry[1], "__self__", None) is pending for entry in connection.run_on_commit
        )
    )
    if not waiting:
        pending = _Changes()
        if connection.in_atomic_block:
            connection.newsroom_page_changes = pending
    pending.add(objects, before)
    # A callback each, all flushing the same changes: the first to run refreshes them all, once.
    transaction.on_commit(pending.flush)


class _Changes:
    """What one transaction changed: refreshed and purged once it commits."""

    def __init__(self):
        self.objects = {}
        self.before = set()

    def add(self, objects, before) -> None:
        for obj in objects:
            self.objects.setdefault((type(obj), obj.pk if obj.pk is not None else id(obj)), obj)
        self.before |= before

    def flush(self) -> None:
        objects, before = list(self.objects.values()), self.before
        self.objects, self.before = {}, set()
        if objects:
            refresh(before.union(*(pages_showing(obj) for obj in objects)))


def refresh(names: Iterable[str]) -> None:
    """Replace the tokens of ``names`` here, and purge them from the shared cache in front (one
    task, when ``NEWSROOM_VARNISH_URLS`` names any)."""
    names = set(names)
    if not names:
        return
    bump(names)
    if settings.NEWSROOM_VARNISH_URLS:
        keys = sorted({surrogate(name) for name in names})
        try:
            purge_keys.enqueue(keys)
        except Exception:  # the change has committed: say so loudly, the editor's save stands
            logger.exception("Could not queue the purge of %s", " ".join(keys))


# --- Serving -----------------------------------------------------------------------------------


def _is_tracking(part: str) -> bool:
    name = part.partition("=")[0]
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def without_tracking(query: str) -> str:
    """``query`` without its tracking parameters, the others kept in order."""
    if not query:
        return query
    return "&".join(part for part in query.split("&") if not _is_tracking(part))


def _drop_tracking(request) -> None:
    """Render and key the page as if the tracking parameters were never there."""
    query = request.META.get("QUERY_STRING", "")
    kept = without_tracking(query)
    if kept != query:
        request.META["QUERY_STRING"] = kept
        request.GET = QueryDict(kept, encoding=request.encoding)


def _page_key(request) -> str:
    raw = f"{request.get_host()}|{request.get_full_path()}"
    return PAGE_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def surrogate_keys(names: Iterable[str]) -> str:
    """The value of the ``xkey`` and ``Surrogate-Key`` headers for ``names``."""
    return " ".join(dict.fromkeys(surrogate(name) for name in names))


def set_surrogate_keys(response, names: Iterable[str]) -> None:
    """Name on ``response`` what it shows (for responses the page cache does not keep, such as
    the partner API's)."""
    value = surrogate_keys(names)
    if value:
        for header in SURROGATE_HEADERS:
            response[header] = value


def _set_headers(response, entry) -> None:
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    patch_cache_control(response, public=True, max_age=settings.NEWSROOM_CDN_MAX_AGE)
    set_surrogate_keys(response, [*entry["route"], *entry["keys"]])
    shared = max(0, round(entry["shared_until"] - time.time()))
    response["Surrogate-Control"] = f"max-age={shared}"


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


def _is_current(entry, tokens) -> bool:
    """Stored by this code under the route's current tokens, and its objects' tokens unchanged
    (a second round trip, only for a page that names objects)."""
    if entry is None or entry.get("format") != ENTRY_FORMAT or entry["tokens"] != tokens:
        return False
    shown = entry["key_tokens"]
    if not shown:
        return True
    found = cache.get_many(list(shown))
    return all(found.get(key) == value for key, value in shown.items())


def cache_public_page(
    tags: Callable[..., list[str]],
    *,
    site: bool = True,
    keys: Callable[..., Iterable[str]] | None = None,
):
    """Cache a public view's page under ``tags(request, **kwargs)``; see the module docstring.
    ``site=False`` for what has no masthead (feeds, sitemaps, embeds, oEmbed): a change to
    what every page shows around its content (``SITE``) leaves it alone. ``keys(request,
    **kwargs)`` names the objects a rendered page shows, besides those the view put on its
    response (``response.surrogate_keys``); it runs only when the page is rendered afresh."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if _bypass(request):
                response = view(request, *args, **kwargs)
                if settings.SESSION_COOKIE_NAME in request.COOKIES:
                    patch_cache_control(response, private=True)
                return response
            _drop_tracking(request)
            page_key = _page_key(request)
            names = [*dict.fromkeys([*tags(request, *args, **kwargs), *([SITE] if site else [])])]
            tag_keys = [TAG_PREFIX + name for name in names]
            found = cache.get_many([page_key, CHANGES_KEY, *tag_keys])
            entry = found.pop(page_key, None)
            changes = found.pop(CHANGES_KEY, None)
            tokens = _tokens(tag_keys, found)
            if _is_current(entry, tokens):
                response = _from_entry(entry)
                response["X-Page-Cache"] = "hit"
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming or response.cookies:
                    return response
                if hasattr(response, "render"):
                    response.render()
                shown = [*getattr(response, "surrogate_keys", ())]
                if keys is not None:
                    shown.extend(keys(request, *args, **kwargs))
                entry = _store(
                    page_key, response, names, tokens, shown, changes=changes, previous=entry
                )
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


def _keep_for() -> tuple[int, int]:
    """How long Django's cache, and a shared cache in front, may keep a page rendered now. In
    front, longer than here when purges keep it exact (``NEWSROOM_VARNISH_URLS``); else no
    longer than browsers may (``NEWSROOM_CDN_MAX_AGE``). Neither past the next scheduled
    change."""
    here = settings.NEWSROOM_PAGE_CACHE_SECONDS
    shared = (
        settings.NEWSROOM_VARNISH_TTL
        if settings.NEWSROOM_VARNISH_URLS
        else settings.NEWSROOM_CDN_MAX_AGE
    )
    limit = max(here, shared)
    until = limit
    for until_next_change in _next_change:
        until = min(until, until_next_change(limit))
    return max(1, min(here, until)), max(0, min(shared, until))


HIDDEN_HEADERS = {
    "etag",
    "last-modified",
    "cache-control",
    "x-page-cache",
    "surrogate-control",
    *(header.lower() for header in SURROGATE_HEADERS),
}


def _store(page_key, response, names, tokens, shown, *, changes, previous) -> dict:
    """Store the page rendered under ``tokens`` (read before it was rendered), naming the
    objects ``shown``, unless a change replaced tokens while it was rendered: the tokens of
    its object keys are read only now, and may already be the new ones. The entry is returned
    either way: it gives the response's headers."""
    shown = [key for key in bounded(shown) if key not in names]
    found = cache.get_many([*(TAG_PREFIX + key for key in shown), CHANGES_KEY])
    quiet = found.pop(CHANGES_KEY, None) == changes
    key_tokens = _tokens([TAG_PREFIX + key for key in shown], found)
    etag = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
    # Last-Modified moves only when the content does, however often the page is re-rendered.
    same = previous is not None and previous.get("etag") == etag
    here, shared = _keep_for()
    now = time.time()
    entry = {
        "format": ENTRY_FORMAT,
        "tokens": tokens,
        "key_tokens": key_tokens,
        "route": names,
        "keys": shown,
        "status": response.status_code,
        "content": response.content,
        "headers": [
            (header, value)
            for header, value in response.items()
            if header.lower() not in HIDDEN_HEADERS
        ],
        "xframe_exempt": getattr(response, "xframe_options_exempt", False),
        "etag": etag,
        "last_modified": previous["last_modified"] if same else now,
        "shared_until": now + shared if quiet else now,
    }
    if quiet:
        cache.set(page_key, entry, timeout=here)
    return entry


# --- Tags of routes that any page may use --------------------------------------------------------


def lists_tags(request, *args, **kwargs) -> list[str]:
    return [LISTS]


def lists_and_facts_tags(request, *args, **kwargs) -> list[str]:
    return [LISTS, FACTS]
