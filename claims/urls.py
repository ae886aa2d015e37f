from django.urls import path

from newsroom.core.pagecache import cache_public_page as cached
from newsroom.core.pagecache import lists_and_facts_tags

from . import views
from .caching import embed_keys, embed_tags, oembed_keys, oembed_tags, source_page_keys
from .caching import fact_page_keys as fact_keys
from .caching import fact_page_tags as fact_tags

app_name = "claims"
urlpatterns = [
    path(
        "facts/quotes/<slug:slug>/",
        cached(fact_tags("quote"), keys=fact_keys("quote"))(views.quote_detail),
        name="quote",
    ),
    path(
        "facts/statistics/<slug:slug>/",
        cached(fact_tags("statistic"), keys=fact_keys("statistic"))(views.statistic_detail),
        name="statistic",
    ),
    path(
        "facts/claims/<slug:slug>/",
        cached(fact_tags("claim"), keys=fact_keys("claim"))(views.claim_detail),
        name="claim",
    ),
    path(
        "sources/<slug:slug>/",
        cached(lists_and_facts_tags, keys=source_page_keys)(views.source_detail),
        name="source",
    ),
    path(
        "embed/quotes/<slug:slug>/",
        cached(embed_tags, site=False, keys=embed_keys)(views.embed),
        {"kind": "quote"},
        name="embed_quote",
    ),
    path(
        "embed/statistics/<slug:slug>/",
        cached(embed_tags, site=False, keys=embed_keys)(views.embed),
        {"kind": "statistic"},
        name="embed_statistic",
    ),
    path(
        "embed/claims/<slug:slug>/",
        cached(embed_tags, site=False, keys=embed_keys)(views.embed),
        {"kind": "claim"},
        name="embed_claim",
    ),
    path("oembed/", cached(oembed_tags, site=False, keys=oembed_keys)(views.oembed), name="oembed"),
]
