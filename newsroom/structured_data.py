"""schema.org JSON-LD for public pages: NewsArticle, ClaimReview, Quotation and Observation.

Built from objects the views already fetched (prefetched sections and blocks): no queries.
Properties follow Google's article and fact-check rich result requirements. ``absolute`` turns a
path into a full URL (``request.build_absolute_uri``).
"""

import json
from collections.abc import Callable

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

Absolute = Callable[[str], str]

# Our verdicts on the 1 (false) to 5 (true) scale fact-check readers expect; "cannot be checked
# yet" has no number, only its name.
VERDICT_VALUES = {"supported": 5, "mixed": 3, "unsupported": 1}


def to_script(data: dict) -> str:
    """A <script type="application/ld+json"> element, safe inside HTML."""
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    text = text.translate(_json_script_escapes)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _language_tag(code: str) -> str:
    """en-gb → en-GB, the usual spelling of a BCP 47 tag."""
    language, _, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def _clean(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def publisher(absolute: Absolute) -> dict:
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": absolute(reverse("home")),
        "logo": {
            "@type": "ImageObject",
            "url": absolute(static("newsroom/logo.png")),
            "width": 600,
            "height": 60,
        },
    }


def person(person_obj, role=None) -> dict:
    """A person; with ``role``, as they were then (their role and name at the time)."""
    if role is None:
        return {"@type": "Person", "name": person_obj.name}
    return _clean(
        {
            "@type": "Person",
            "name": role.name_as_used or person_obj.name,
            "jobTitle": role.title,
            "affiliation": {"@type": "Organization", "name": role.organisation}
            if role.organisation
            else None,
        }
    )


def author(author_obj) -> dict:
    kind = "Organization" if author_obj.kind == "organisation" else "Person"
    return _clean({"@type": kind, "name": author_obj.name, "url": author_obj.url})


def image_url(media, absolute: Absolute) -> str | None:
    if media is None or not media.image:
        return None
    return absolute(media.image.url)


def news_article(explainer, absolute: Absolute) -> dict:
    url = absolute(explainer.get_absolute_url())
    authors = [author(obj) for obj in explainer.authors.all()] or [
        {"@type": "Organization", "name": settings.NEWSROOM_SITE_NAME}
    ]
    based_on = (
        _clean(
            {
                "@type": "CreativeWork",
                "url": explainer.original_url,
                "datePublished": _date(explainer.original_published_on),
                "publisher": {"@type": "Organization", "name": explainer.original_publisher},
                "license": explainer.licence,
            }
        )
        if explainer.original_publisher
        else None
    )
    image = image_url(explainer.hero, absolute)
    return _clean(
        {
            "@type": "NewsArticle",
            "@id": f"{url}#article",
            "headline": explainer.title[:110],
            "description": explainer.seo_description or explainer.standfirst,
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "datePublished": _date(explainer.published_at),
            "dateModified": _date(explainer.modified_at or explainer.published_at),
            "author": authors,
            "publisher": publisher(absolute),
            "isBasedOn": based_on,
            "image": [image] if image else None,
            "articleSection": [topic.name for topic in explainer.topics.all()],
            "genre": explainer.get_kind_display(),
            "inLanguage": _language_tag(settings.LANGUAGE_CODE),
            "isAccessibleForFree": True,
        }
    )


def claim_review(claim, absolute: Absolute) -> dict:
    rating = claim.rating
    review_rating = {"@type": "Rating", "alternateName": rating.name}
    if rating.verdict in VERDICT_VALUES:
        review_rating.update(
            ratingValue=VERDICT_VALUES[rating.verdict], bestRating=5, worstRating=1
        )
    claimant = (
        person(claim.claimant)
        if claim.claimant_id
        else {"@type": "Organization", "name": claim.claimant_name}
    )
    reviewer = (
        {
            "@type": "NewsMediaOrganization",
            "name": settings.NEWSROOM_SITE_NAME,
            "url": absolute(reverse("home")),
        }
        if claim.is_our_verdict
        else _clean(
            {
                "@type": "NewsMediaOrganization",
                "name": claim.verdict_by,
                "url": claim.verdict_source.url if claim.verdict_source_id else None,
            }
        )
    )
    return _clean(
        {
            "@type": "ClaimReview",
            "url": absolute(claim.get_absolute_url()),
            "claimReviewed": claim.text,
            "datePublished": _date(claim.checked_on if claim.is_checked else None),
            "author": reviewer,
            "reviewRating": _clean({**review_rating, "ratingExplanation": claim.explanation}),
            "itemReviewed": _clean(
                {
                    "@type": "Claim",
                    "author": claimant,
                    "datePublished": _date(claim.claimed_on),
                }
            ),
        }
    )


def quotation(quote, absolute: Absolute) -> dict:
    source = quote.source
    return _clean(
        {
            "@type": "Quotation",
            "url": absolute(quote.get_absolute_url()),
            "text": quote.text,
            "creator": person(quote.speaker, quote.role_at_the_time),
            "spokenByCharacter": person(quote.speaker, quote.role_at_the_time),
            "dateCreated": quote.said_on_iso or None,
            "isBasedOn": (source.url or absolute(source.get_absolute_url())) if source else None,
        }
    )


def _number(value) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def observation(statistic, value, absolute: Absolute) -> dict | None:
    """A figure as the page shows it: its value with its own qualifier ("around", "more
    than"), date or period, and source; a date the source did not give is left out."""
    if value is None:
        return None
    source = value.shown_source
    qualifier = f"{value.qualifier} " if value.qualifier else ""
    unit = f" {statistic.unit}" if statistic.unit else ""
    start, end = value.period_start, value.period_end
    return _clean(
        {
            "@type": "Observation",
            "name": statistic.label,
            "url": absolute(statistic.get_absolute_url()),
            "value": _number(value.value),
            "measurementQualifier": value.qualifier,
            "unitText": statistic.unit,
            "description": f"{qualifier}{value.display}{unit}",
            "observationDate": _date(value.as_of),
            "observationPeriod": f"{_date(start) or '..'}/{_date(end) or '..'}"
            if start or end
            else None,
            "isBasedOn": source.url or absolute(source.get_absolute_url()),
        }
    )


def for_explainer(explainer, absolute: Absolute) -> dict:
    """The story, and each claim it reviews, quote it cites and figure it shows, as one graph."""
    graph = [news_article(explainer, absolute)]
    seen = set()
    for block in explainer.placed_blocks():
        if block.claim_id and ("claim", block.claim_id) not in seen:
            seen.add(("claim", block.claim_id))
            graph.append(claim_review(block.claim, absolute))
        elif block.quote_id and block.kind == "quote" and ("quote", block.quote_id) not in seen:
            seen.add(("quote", block.quote_id))
            graph.append(quotation(block.quote, absolute))
        elif block.statistic_id:
            value = block.shown_value
            if value is not None and ("value", value.pk) not in seen:
                seen.add(("value", value.pk))
                graph.append(observation(block.statistic, value, absolute))
    return {"@context": "https://schema.org", "@graph": graph}


def for_fact(fact, absolute: Absolute) -> dict | None:
    if fact.token_kind == "claim":
        return {"@context": "https://schema.org", **claim_review(fact, absolute)}
    if fact.token_kind == "quote":
        return {"@context": "https://schema.org", **quotation(fact, absolute)}
    node = observation(fact, fact.current, absolute)
    return {"@context": "https://schema.org", **node} if node else None
