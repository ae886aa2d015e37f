"""Public URLs of slugged objects, reversed once and remembered.

A story page links every fact card, source and topic it shows (about sixty links), and
``reverse()`` costs tens of microseconds each; the answer depends only on the view, the slug, the
URLconf and the script prefix, so it is kept per process in a bounded LRU cache.
"""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse


def slug_url(viewname: str, slug: str) -> str:
    return _reverse_slug(viewname, slug, get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=16384)
def _reverse_slug(viewname: str, slug: str, urlconf, prefix: str) -> str:
    return reverse(viewname, urlconf=urlconf, kwargs={"slug": slug})
