"""Read replicas: the reads of public pages and of the partner API go to a streaming replica of
PostgreSQL; every write, and every other read, goes to the primary (``default``).

``DATABASE_REPLICA_URLS`` adds the aliases ``replica1``, ``replica2``… (settings
``NEWSROOM_REPLICA_DATABASES``; README "Read replicas"). With none, the middleware takes itself
out of the stack and the router answers ``default``: nothing changes.

Who may read a replica
    ``ReplicaMiddleware`` decides once per request and tells the router through a context
    variable: a GET or HEAD from a reader without a session cookie, or a GET or HEAD of the
    partner API (``/api/``), but never under ``NEWSROOM_REPLICA_PRIMARY_PATHS`` (the admin,
    previews), and never for a browser that has just written (below). Outside such a request (commands, workers, migrations, tests)
    everything reads the primary. A request that may reads one replica, chosen at its first
    query, except:

    - inside a transaction on the primary: a stored rendering is made under its row's lock
      from what the primary holds, never from an older copy (``explainers/renderings.py``);
    - after the request has written anything: the rest of it reads what it wrote;
    - rows that must never be read late (``NEWSROOM_REPLICA_PRIMARY_MODELS``: a revoked
      partner key is cached for minutes once read, so it is read from the primary).

Read your writes
    After a POST, PUT, PATCH or DELETE by a browser with a session, a short-lived cookie
    (``newsroom_primary``, ``NEWSROOM_REPLICA_STICKY_SECONDS``) sends that browser's reads to
    the primary, public pages included. Editors read the primary anyway (they carry the session
    cookie); the cookie covers the same browser's public pages once the session is gone.

After a change readers see
    Every workflow verb calls ``pagecache.changing``; its commit sets a fence in the shared
    cache (registered as a stale marker, the hook ``changing`` calls inside the transaction).
    Until the fence expires, after the longest a replica passed as healthy can be behind (the
    lag bound plus the check interval), requests read the primary. Otherwise a reader arriving
    in that window would render the old story from a replica, and the page cache (and the
    cached masthead topics) would keep it under the new tokens long after the replica caught up.

Health
    A replica is used while it answers, is in recovery, and is at most
    ``NEWSROOM_REPLICA_MAX_LAG_SECONDS`` behind the primary; a replica that has replayed all it
    received from a live stream is current however old its last transaction (an idle primary
    writes nothing). The answer is kept per process for ``NEWSROOM_REPLICA_CHECK_SECONDS``, so a
    request costs no query for it; an unreachable replica counts as down for that long. Among
    healthy replicas one is chosen at random; with none, the primary. A replica failing during
    a request, between two checks, is marked down and the request runs again on the primary:
    readers get their page, not a 503.
"""

import contextvars
import logging
import math
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)

from . import pagecache

logger = logging.getLogger(__name__)

STICKY_COOKIE = "newsroom_primary"
FENCE_KEY = "replicas:fence"
READ_METHODS = ("GET", "HEAD")
API_PREFIX = "/api/"

HEALTH_SQL = """
    SELECT pg_is_in_recovery(),
           EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8,
           pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),
           EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
"""


def replica_databases() -> list[str]:
    return settings.NEWSROOM_REPLICA_DATABASES


# --- One request's reads -----------------------------------------------------------------------


class _Reads:
    """Where this request's reads go: ``alias`` is None until the first read chooses."""

    __slots__ = ("alias", "replica", "retry")

    def __init__(self):
        self.alias: str | None = None
        self.replica: str | None = None  # the replica chosen, if one was
        self.retry = False


_request_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "newsroom_replica_reads", default=None
)


def may_read_replica(request) -> bool:
    """A reader's GET or HEAD (no session cookie), or the partner API's; never the admin or a
    preview, nor a browser that wrote a moment ago."""
    if request.method not in READ_METHODS or STICKY_COOKIE in request.COOKIES:
        return False
    path = request.path_info
    if path.startswith(API_PREFIX):
        return True
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and not path.startswith(
        tuple(settings.NEWSROOM_REPLICA_PRIMARY_PATHS)
    )


def choose_replica() -> str:
    """A healthy replica at random; the primary when there is none, or a change just
    committed."""
    aliases = replica_databases()
    if not aliases or fenced():
        return DEFAULT_DB_ALIAS
    healthy = [alias for alias in aliases if is_healthy(alias)]
    return random.choice(healthy) if healthy else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads as the request allows (above); writes and migrations on the
    primary."""

    def __init__(self):
        if replica_databases():  # commands and workers change content too
            pagecache.register_stale_marker(fence_readers)

    def db_for_read(self, model, **hints):
        reads = _request_reads.get()
        if reads is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if model._meta.label in settings.NEWSROOM_REPLICA_PRIMARY_MODELS:
            return DEFAULT_DB_ALIAS
        if reads.alias is None:
            reads.alias = choose_replica()
            if reads.alias != DEFAULT_DB_ALIAS:
                reads.replica = reads.alias
        return reads.alias

    def db_for_write(self, model, **hints):
        reads = _request_reads.get()
        if reads is not None:  # the rest of the request reads what it wrote
            reads.alias = DEFAULT_DB_ALIAS
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaMiddleware:
    """Says, per request, whether its reads may go to a replica; sets the read-your-writes
    cookie; runs a request again on the primary when its replica fails during it.

    Sits after ``DatabaseUnavailableMiddleware`` so that its ``process_exception`` sees a
    replica's failure first (the later middleware's runs first)."""

    def __init__(self, get_response):
        if not replica_databases():
            raise MiddlewareNotUsed
        pagecache.register_stale_marker(fence_readers)
        self.get_response = get_response

    def __call__(self, request):
        if not may_read_replica(request):
            response = self.get_response(request)
            if request.method not in READ_METHODS and _has_session(request):
                _set_sticky_cookie(response)
            return response
        reads = _Reads()
        token = _request_reads.set(reads)
        try:
            response = self.get_response(request)
            if reads.retry:  # its replica failed: the same request, on the primary
                reads.retry = False
                response = self.get_response(request)
        finally:
            _request_reads.reset(token)
        return response

    def process_exception(self, request, exception):
        reads = _request_reads.get()
        if (
            reads is not None
            and reads.replica is not None
            and isinstance(exception, (OperationalError, InterfaceError))
            and connections[reads.replica].errors_occurred
        ):
            logger.warning(
                "Read replica %s failed during %s (%s): reading the primary.",
                reads.replica,
                request.path,
                exception.__class__.__name__,
            )
            mark_down(reads.replica)
            reads.alias = DEFAULT_DB_ALIAS
            reads.retry = True
        return None  # DatabaseUnavailableMiddleware answers this attempt; it is not sent


def _has_session(request) -> bool:
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    session = getattr(request, "session", None)  # a login starts one in this request
    return session is not None and not session.is_empty()


def _set_sticky_cookie(response) -> None:
    response.set_cookie(
        STICKY_COOKIE,
        "1",
        max_age=settings.NEWSROOM_REPLICA_STICKY_SECONDS,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- After a change: the primary until every healthy replica has it ----------------------------


def fence_seconds() -> float:
    """The longest a replica that passed its last check can be behind the primary."""
    return settings.NEWSROOM_REPLICA_MAX_LAG_SECONDS + settings.NEWSROOM_REPLICA_CHECK_SECONDS


def fence_readers(objects) -> None:
    """Registered with ``pagecache.register_stale_marker``; called inside the transaction of a
    change readers will see: on commit (before ``changing`` gives the pages new tokens, as it
    registered its own callback after this one), every server reads the primary for a while."""
    transaction.on_commit(_set_fence)


def _set_fence() -> None:
    cache.set(FENCE_KEY, 1, timeout=math.ceil(fence_seconds()))


def fenced() -> bool:
    try:
        return cache.get(FENCE_KEY) is not None
    except Exception:  # the shared cache unreachable (Redis down): the primary is never late
        logger.warning("Cache unavailable: reading the primary.", exc_info=True)
        return True


# --- Health, kept per process ------------------------------------------------------------------


@dataclass(frozen=True)
class _Health:
    usable: bool
    until: float  # time.monotonic() until which this answer stands


_health: dict[str, _Health] = {}


def is_healthy(alias: str) -> bool:
    """Whether ``alias`` may be read now: the answer of a check at most
    ``NEWSROOM_REPLICA_CHECK_SECONDS`` old, or of a new one."""
    now = time.monotonic()
    known = _health.get(alias)
    if known is not None and now < known.until:
        return known.usable
    interval = settings.NEWSROOM_REPLICA_CHECK_SECONDS
    # Claim the check: this process's other threads keep the last answer meanwhile.
    _health[alias] = _Health(known is not None and known.usable, now + interval)
    usable = check(alias)
    if known is not None and known.usable != usable:
        logger.warning(
            "Read replica %s is %s.", alias, "back in use" if usable else "skipped: behind or down"
        )
    _health[alias] = _Health(usable, time.monotonic() + interval)
    return usable


def mark_down(alias: str) -> None:
    _health[alias] = _Health(False, time.monotonic() + settings.NEWSROOM_REPLICA_CHECK_SECONDS)
    _close(alias)


def check(alias: str) -> bool:
    """Ask the replica how far behind it is (one query on its own connection)."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            row = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Read replica %s is unavailable: %s", alias, error)
        _close(alias)
        return False
    return is_fresh(*row, max_lag=settings.NEWSROOM_REPLICA_MAX_LAG_SECONDS)


def is_fresh(
    in_recovery: bool,
    lag_seconds: float | None,
    caught_up: bool | None,
    receiving: bool,
    *,
    max_lag: float,
) -> bool:
    """The verdict on one answer to ``HEALTH_SQL``.

    ``lag_seconds`` is the age of the last transaction replayed: on an idle primary it grows
    though the replica misses nothing, so a replica that has replayed everything it received,
    while its WAL receiver runs, is current whatever that age."""
    if not in_recovery:  # promoted, or not a replica at all: it no longer follows the primary
        return False
    if caught_up and receiving:
        return True
    return lag_seconds is not None and lag_seconds <= max_lag


def _close(alias: str) -> None:
    """Drop a failed connection, so the next use connects afresh."""
    try:
        connections[alias].close()
    except DatabaseError:
        pass
