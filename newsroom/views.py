from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control

from explainers.models import Correction, Explainer, ExplainerQuerySet

from . import search as site_search
from .core.pagecache import object_key

HOME_PAGE_SIZE = 30
HOME_RAIL_SIZE = 3  # stories beside the lead; the rest fill a grid of three columns
HOME_GRID_COLUMNS = 3
HOME_CORRECTIONS = 5
THEME_COLOUR = "#a4161a"  # the masthead's accent (site.css --accent)
ICONS_MAX_AGE = 24 * 3600


def home(request):
    explainers = list(Explainer.objects.published().for_public_list()[:HOME_PAGE_SIZE])
    lead, rest = explainers[:1], explainers[1:]
    rail, grid = rest[:HOME_RAIL_SIZE], rest[HOME_RAIL_SIZE:]
    if len(grid) < HOME_GRID_COLUMNS:  # a short row would leave most of the width empty
        rail, grid = rest, []
    # Public notes on published stories only (a draft's, a working copy's or a scheduled
    # story's note is on no public page); a fact's notes are shown with the fact.
    corrections = list(
        Correction.objects.filter(
            ExplainerQuerySet.published_q(prefix="explainer__"),
            kind__in=[Correction.Kind.CORRECTION, Correction.Kind.CLARIFICATION],
        )
        .select_related("explainer")
        .order_by("-published_at", "-pk")[:HOME_CORRECTIONS]
    )
    response = render(
        request,
        "newsroom/home.html",
        {
            "explainers": explainers,
            "lead_story": lead[0] if lead else None,
            "rail": rail,
            "grid": grid,
            "corrections": corrections,
        },
    )
    response.surrogate_keys = [object_key(story) for story in explainers]  # for the page cache
    return response


def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the page links to."""
    response = redirect(static("newsroom/icons/favicon.ico"))
    patch_cache_control(response, public=True, max_age=ICONS_MAX_AGE)
    return response


def web_manifest(request):
    """What a phone needs to add the site to its home screen: name, icons, colours."""
    icons = [
        {
            "src": static(f"newsroom/icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
        }
        for size in (192, 512)
    ]
    manifest = {
        "name": settings.NEWSROOM_SITE_NAME,
        "short_name": settings.NEWSROOM_SITE_NAME,
        "description": "Explainers and analysis, with every figure and quote traced to its source.",
        "start_url": reverse("home"),
        "scope": reverse("home"),
        "display": "browser",
        "lang": "en-GB",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    patch_cache_control(response, public=True, max_age=ICONS_MAX_AGE)
    return response


def health(request):
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def search(request):
    """Reader search: a calm page for any query, however empty, long or odd."""
    results = site_search.search(request.GET.get("q", ""))
    return render(request, "newsroom/search.html", {"results": results})


def robots_txt(request):
    return render(
        request,
        "newsroom/robots.txt",
        {"sitemap_url": request.build_absolute_uri(reverse("sitemap"))},
        content_type="text/plain; charset=utf-8",
    )
