"""Page numbers for the public site's long lists: ``?page=N``, strictly.

Page 1 is the bare URL; ``?page=2`` onwards are the other pages. Anything else (a word, zero, a
negative number, a leading zero, a page past the end) is the site's 404 page, never a 500 and
never "the nearest page", so each page has exactly one URL for readers, search engines and the
page cache (newsroom/core/pagecache.py keys pages on the full path).
"""

import re
from dataclasses import dataclass

from django.core import paginator
from django.http import Http404

PAGE_PARAMETER = "page"
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")  # canonical decimal, and far below any int limit


class Paginator(paginator.Paginator):
    """Django's, optionally told the total a query already annotated (saving a COUNT)."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.count = count  # ``count`` is a cached_property: the instance attribute wins


def page_number(request) -> int:
    """The page asked for: 1 when absent, else a positive integer written plainly, else 404."""
    raw = request.GET.get(PAGE_PARAMETER)
    if raw is None:
        return 1
    if not _PAGE_NUMBER.fullmatch(raw):
        raise Http404("No such page.")
    return int(raw)


def paginate(request, object_list, per_page: int, *, count: int | None = None, allow_empty=True):
    """The requested page of ``object_list`` (ordered), or 404.

    The page knows its own ``url`` (for the canonical link), ``previous_url``, ``next_url`` and
    ``links``, the page numbers to show with ``None`` for a gap, for the ``pager`` partial in
    ``templates/newsroom/pager.html``. Costs one COUNT (none when ``count`` is given) and one
    query for the page's rows, however long the list.
    """
    number = page_number(request)
    pages = Paginator(object_list, per_page, count=count, allow_empty_first_page=allow_empty)
    try:
        page = pages.page(number)
    except paginator.InvalidPage:
        raise Http404("No such page.") from None
    path = request.path
    page.url = page_url(path, page.number)
    page.previous_url = page_url(path, page.number - 1) if page.has_previous() else None
    page.next_url = page_url(path, page.number + 1) if page.has_next() else None
    page.links = [
        None
        if n == pages.ELLIPSIS
        else PageLink(number=n, url=page_url(path, n), current=n == page.number)
        for n in pages.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return page


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


def page_url(path: str, number: int) -> str:
    """Page 1 is the list's own URL; only later pages carry ``?page=``."""
    return path if number == 1 else f"{path}?{PAGE_PARAMETER}={number}"
