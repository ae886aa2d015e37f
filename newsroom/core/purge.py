"""Purging the shared HTTP cache in front (Varnish with the xkey module) by surrogate keys.

``pagecache.refresh`` enqueues one ``purge_keys`` task when a change commits, carrying the
names it touched (``quote-12 facts``). The task sends each Varnish in ``NEWSROOM_VARNISH_URLS``
one ``PURGE /`` request with the keys in its ``xkey-purge`` header, which
``newsroom/varnish/newsroom.vcl`` answers with how many objects it purged (``X-Purged``). With no
Varnish named the task does nothing.

A server that does not answer, or refuses, is logged and tried again on its own, later
(``backoff``), up to ``ATTEMPTS`` times; after that the task fails with the error, so a lost
purge is in the log and in the task's result, never silent. Varnish's own TTL
(``NEWSROOM_VARNISH_TTL``) bounds how long a page a purge missed can live.
"""

import datetime
import http.client
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

HEADER = "xkey-purge"
# Varnish refuses a request header longer than http_req_hdr_len (8 KB by default): longer lists
# of keys go in several requests.
MAX_HEADER_LENGTH = 4000
ATTEMPTS = 10
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 600


class PurgeFailed(Exception):
    pass


def batches(keys: list[str]) -> list[str]:
    """The keys as header values of at most ``MAX_HEADER_LENGTH`` characters each."""
    values, current = [], ""
    for key in keys:
        if current and len(current) + 1 + len(key) > MAX_HEADER_LENGTH:
            values.append(current)
            current = ""
        current = f"{current} {key}" if current else key
    if current:
        values.append(current)
    return values


def send(url: str, keys: list[str]) -> int:
    """Purge ``keys`` from the Varnish at ``url``; how many objects it purged. Raises
    ``PurgeFailed`` (or ``OSError``) when it does not answer 200."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    purged = 0
    for value in batches(keys):
        connection = connection_class(
            parts.hostname, parts.port, timeout=settings.NEWSROOM_VARNISH_TIMEOUT_SECONDS
        )
        try:
            connection.request("PURGE", parts.path or "/", headers={HEADER: value})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise PurgeFailed(f"{url} answered {response.status} {response.reason}")
            purged += int(response.headers.get("X-Purged") or 0)
        finally:
            connection.close()
    return purged


def backoff(attempt: int) -> float:
    """Seconds before the attempt after ``attempt`` failed ones: doubling, at most ten minutes."""
    return min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempt - 1))


@task(queue_name="purges")
def purge_keys(keys: list[str], urls: list[str] | None = None, attempt: int = 1) -> int:
    """Purge ``keys`` from every Varnish (``urls``: those still to do, on a retry); how many
    objects they purged in all."""
    urls = settings.NEWSROOM_VARNISH_URLS if urls is None else urls
    purged, failed = 0, []
    for url in urls:
        try:
            purged += send(url, keys)
        except (OSError, PurgeFailed, http.client.HTTPException, ValueError) as error:
            failed.append(url)
            logger.warning(
                "Purge of %d keys from %s failed (attempt %d): %s", len(keys), url, attempt, error
            )
    if failed:
        _retry(keys, failed, attempt)
    return purged


def _retry(keys: list[str], urls: list[str], attempt: int) -> None:
    if attempt >= ATTEMPTS:
        logger.error("Gave up purging %s from %s", " ".join(keys), ", ".join(urls))
        raise PurgeFailed(f"Could not purge {len(keys)} keys from {', '.join(urls)}")
    at = timezone.now() + datetime.timedelta(seconds=backoff(attempt))
    try:
        purge_keys.using(run_after=at).enqueue(keys, urls, attempt + 1)
    except Exception as error:  # a backend that cannot wait (immediate): fail, loudly
        logger.error("Could not queue a retry of the purge of %s: %s", " ".join(keys), error)
        raise PurgeFailed(f"Could not purge {len(keys)} keys from {', '.join(urls)}") from error
