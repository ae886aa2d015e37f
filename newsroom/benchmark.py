"""Floors for scripts/loadtest, routed only when NEWSROOM_BENCHMARK_VIEWS is on (never in
production): what the stack costs with no application work, and with a page render but no
database. An explainer page is judged against these, measured on the same server in one run."""

from django.http import HttpResponse
from django.shortcuts import render

FILLER = (
    "Home Office figures show that crossings rose over the summer, while returns agreements "
    "with neighbouring countries have been slow to take effect. "
)


def ok(request):
    return HttpResponse("ok", content_type="text/plain")


def static_page(request):
    """A page of about ``?bytes=`` bytes, rendered from the site's templates, with no queries."""
    try:
        size = min(max(int(request.GET.get("bytes", "20000")), 0), 2_000_000)
    except ValueError:
        size = 20000
    per_section = 8
    sections = [
        {"heading": f"Question {n}?", "paragraphs": [FILLER] * per_section}
        for n in range(1, max(size // (len(FILLER) * per_section + 60), 1) + 1)
    ]
    return render(request, "newsroom/bench_static.html", {"sections": sections})
