from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse

from explainers.models import Explainer

from . import search as site_search

HOME_PAGE_SIZE = 30


def home(request):
    explainers = list(Explainer.objects.published().for_public_list()[:HOME_PAGE_SIZE])
    return render(request, "newsroom/home.html", {"explainers": explainers})


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
