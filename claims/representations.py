"""Fact blocks, people and sources as the partner API shows them, built as plain dicts.

The serializers in ``serializers.py`` declare the fields (the OpenAPI schema is made from them)
and hand the work to these functions: a generic DRF serializer builds its fields afresh for
every request and walks them for every item, which cost most of a list's time. What is built
here is the same, key for key and byte for byte (``tests/api_tests/test_fast_*`` compare both).

URLs are built from a prefix reversed once per request (``Links``), not reversed and made
absolute for each item; an object whose slug is not a plain slug takes the slow path.

``version_of`` is what a fact's representation depends on, from what its query already loaded:
the rows' versions and change times, and the few small rows that carry neither. A list's or a
detail's ETag hashes that instead of the encoded body (``claims/api.py``).
"""

import datetime
import re

from django.conf import settings
from rest_framework import serializers
from rest_framework.reverse import reverse as drf_reverse
from rest_framework.settings import api_settings

from newsroom.core import usage
from newsroom.core.api import DateTimeField
from newsroom.core.links import slug_url

from .models import Claim, Quote, Statistic

# What a slug becomes in a URL template, to be replaced by each object's slug. It matches the
# routes' slug pattern and survives reversing, quoting and urlencoding unchanged.
PLACEHOLDER = "0slug0placeholder0"
# A slug that reversing, quoting and urlencoding all leave as it is.
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
# A path that ``build_absolute_uri`` would only prefix with the origin (no '.' segments, nothing
# that ``iri_to_uri`` quotes).
_PLAIN_PATH = re.compile(r"/(?![/.])(?:[-A-Za-z0-9_~/?=&]|\.(?!\.?/))*\Z")

_CONTEXT_KEY = "_claims_links"


class Links:
    """The URLs one request's representations give, each kind reversed once."""

    def __init__(self, request, format=None):
        self.request = request
        self.format = format
        self.origin = request.build_absolute_uri("/")[:-1]
        self._templates: dict = {}
        # DRF's reverse is Django's, made absolute, unless a versioning scheme, a format suffix or
        # a ?format= override is in play: then it is asked itself.
        self._plain_reverse = (
            getattr(request, "versioning_scheme", None) is None
            and not format
            and api_settings.URL_FORMAT_OVERRIDE not in request.GET
        )

    @classmethod
    def of(cls, context) -> "Links | None":
        """The request's links, made once per serializer tree; None without a request."""
        links = context.get(_CONTEXT_KEY)
        if links is None:
            request = context.get("request")
            if request is None:
                return None
            links = context[_CONTEXT_KEY] = cls(request, context.get("format"))
        return links

    def _fill(self, key, build, slug: str) -> str:
        parts = self._templates.get(key)
        if parts is None:
            before, found, after = build(PLACEHOLDER).partition(PLACEHOLDER)
            parts = (before, after) if found and PLACEHOLDER not in after else ()
            self._templates[key] = parts
        if parts and _PLAIN_SLUG.match(slug):
            return parts[0] + slug + parts[1]
        return build(slug)

    def absolute(self, path):
        """``request.build_absolute_uri(path)``, without parsing a plain path."""
        if path is None:
            return None
        if _PLAIN_PATH.match(path):
            return self.origin + path
        return self.request.build_absolute_uri(path)

    def api(self, view_name: str, obj):
        """What ``HyperlinkedIdentityField(view_name, lookup_field="slug")`` gives."""
        if obj.pk in (None, ""):
            return None

        def build(slug):
            if slug is PLACEHOLDER and self._plain_reverse:  # what DRF's reverse gives then
                return self.absolute(slug_url(view_name, slug))
            return drf_reverse(
                view_name, kwargs={"slug": slug}, request=self.request, format=self.format
            )

        return self._fill(view_name, build, obj.slug)

    def site(self, obj) -> str:
        """What ``SiteURLField`` gives: the object's public page."""
        model = type(obj)

        def build(slug):
            if slug is PLACEHOLDER:
                return self.request.build_absolute_uri(model(slug=slug).get_absolute_url())
            return self.request.build_absolute_uri(obj.get_absolute_url())

        return self._fill(("site", model), build, obj.slug)

    def used_in(self, fact) -> str:
        """What ``UsedInLinkMixin`` gives: the explainers list, filtered by the block."""
        model = type(fact)

        def build(slug):
            block = model(slug=slug) if slug is PLACEHOLDER else fact
            return self.request.build_absolute_uri(usage.index().public_stories_api_path(block))

        return self._fill(("used_in", model), build, fact.slug)


# --- Field values, as the DRF fields give them ----------------------------------------------

_DATETIME = DateTimeField()
_DECIMAL = serializers.DecimalField(max_digits=20, decimal_places=4, normalize_output=True)


def _datetime(value):
    """``newsroom.core.api.DateTimeField``: ISO 8601 in UTC, with a Z."""
    if not value:
        return None
    if value.tzinfo is None or isinstance(value, str):
        return _DATETIME.to_representation(value)
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value):
    return value.isoformat() if value else None


def _bool(value):
    if value is None:
        return None
    return serializers.BooleanField().to_representation(value) if type(value) is not bool else value


def _checked_on(fact):
    return fact.checked_on.isoformat() if fact.is_checked else None


def _checked_by(fact):
    return fact.checked_by.get_full_name() if fact.is_checked else None


# --- Representations ---------------------------------------------------------------------------


def person(p, links) -> dict:
    return {
        "slug": p.slug,
        "name": p.name,
        "role": p.role,
        "affiliation": p.affiliation,
        "description": p.description,
        "api_url": links.api("api:person-detail", p),
        "updated_at": _datetime(p.updated_at),
    }


def source(s, links) -> dict:
    return {
        "slug": s.slug,
        "title": s.title,
        "publisher": s.publisher,
        "author": s.author,
        "kind": s.kind,
        "document_url": s.url or None,
        "archive_url": s.archive_url or None,
        "published_on": _date(s.published_on),
        "accessed_on": _date(s.accessed_on),
        "notes": s.notes,
        "site_url": links.site(s),
        "api_url": links.api("api:source-detail", s),
        "updated_at": _datetime(s.updated_at),
    }


def _source_or_none(s, links):
    return None if s is None else source(s, links)


def rating(r) -> dict:
    return {
        "slug": r.slug,
        "name": r.name,
        "verdict": r.verdict,
        "position": None if r.position is None else int(r.position),
        "description": r.description,
    }


def role(r) -> dict | None:
    if r is None:
        return None
    return {
        "title": r.title,
        "organisation": r.organisation,
        "name_as_used": r.name_as_used,
        "starts_on": _date(r.starts_on),
        "ends_on": _date(r.ends_on),
    }


def value(v, links) -> dict | None:
    if v is None:
        return None
    return {
        "id": None if v.pk is None else int(v.pk),
        "value": None if v.value is None else _DECIMAL.to_representation(v.value),
        "display": str(v.display),
        "qualifier": v.qualifier,
        "as_of": _date(v.as_of),
        "period_start": _date(v.period_start),
        "period_end": _date(v.period_end),
        "source": source(v.shown_source, links),
        "note": v.note,
        "revises": v.revises_id,
        "revision_kind": v.revision_kind,
        "correction_note": v.correction_note,
        "superseded": _bool(getattr(v, "is_superseded", False)),
        "recorded_at": _datetime(v.recorded_at),
    }


def story(ref, links) -> dict:
    """A ``usage.StoryRef``, as ``UsedInSerializer`` shows it."""
    return {
        "slug": ref.slug,
        "title": ref.title,
        "kind": ref.kind,
        "published_at": _datetime(ref.published_at),
        "site_url": links.absolute(ref.url),
        "api_url": links.absolute(ref.api_url),
    }


def _uses(fact, links, data: dict, *, used_in: bool, used_in_url: bool) -> dict:
    if used_in:
        data["used_in"] = [story(ref, links) for ref in fact.public_stories]
        count = fact.public_story_count
        data["used_in_count"] = None if count is None else int(count)
    if used_in_url:
        data["used_in_url"] = links.used_in(fact)
    return data


def quote(q, links, *, used_in=False, used_in_url=False) -> dict:
    data = {
        "slug": q.slug,
        "text": q.text,
        "is_partial": _bool(q.is_partial),
        "speaker": person(q.speaker, links),
        "role": role(q.role_at_the_time),
        "said_on": _date(q.said_on),
        "said_on_precision": q.said_on_precision,
        "medium": q.medium,
        "context": q.context,
        "source": _source_or_none(q.source, links),
        "url": q.url or None,
        "checked_on": _checked_on(q),
        "checked_by": _checked_by(q),
        "site_url": links.site(q),
        "api_url": links.api("api:quote-detail", q),
        "updated_at": _datetime(q.updated_at),
    }
    return _uses(q, links, data, used_in=used_in, used_in_url=used_in_url)


def statistic(s, links, *, history=False, used_in=False, used_in_url=False) -> dict:
    values = s.history
    current = next((v for v in values if not v.is_superseded), None)
    data = {
        "slug": s.slug,
        "label": s.label,
        "prefix": s.prefix,
        "unit": s.unit,
        "display_format": s.display,
        "current": value(current, links),
        "methodology": s.methodology,
        "source": source(s.source, links),
        "checked_on": _checked_on(s),
        "checked_by": _checked_by(s),
        "site_url": links.site(s),
        "api_url": links.api("api:statistic-detail", s),
        "updated_at": _datetime(s.updated_at),
    }
    if history:
        data["history"] = [value(v, links) for v in values]
    return _uses(s, links, data, used_in=used_in, used_in_url=used_in_url)


def claim(c, links, *, used_in=False, used_in_url=False) -> dict:
    data = {
        "slug": c.slug,
        "text": c.text,
        "claimed_by": str(c.claimed_by),
        "claimant": None if c.claimant is None else person(c.claimant, links),
        "claimed_on": _date(c.claimed_on),
        "made_in": _source_or_none(c.made_in, links),
        "medium": c.medium,
        "rating": rating(c.rating),
        "explanation": c.explanation,
        "verdict_by": settings.NEWSROOM_SITE_NAME if c.is_our_verdict else c.verdict_by,
        "verdict_source": _source_or_none(c.verdict_source, links),
        "sources": [source(s, links) for s in c.sources.all()],
        "checked_on": _checked_on(c),
        "checked_by": _checked_by(c),
        "site_url": links.site(c),
        "api_url": links.api("api:claim-detail", c),
        "updated_at": _datetime(c.updated_at),
    }
    return _uses(c, links, data, used_in=used_in, used_in_url=used_in_url)


# --- Versions: what a representation depends on -----------------------------------------------

# Moved on whenever the code changes what the representations say, so that no ETag a client
# holds from before can match a representation built differently.
FORMAT_VERSION = 1


def _row(obj):
    """A versioned row: its version and change time (``updated_at`` moves on every save)."""
    if obj is None:
        return None
    return (obj.pk, obj.version, getattr(obj, "updated_at", None))


def _user(user):
    return None if user is None else (user.pk, user.get_full_name())


def _role(r):
    if r is None:
        return None
    return (r.pk, r.title, r.organisation, r.name_as_used, r.starts_on, r.ends_on)


def _rating(r):  # small, and changed only in the admin: its shown fields, as well as its version
    return (r.pk, r.version, r.slug, r.name, r.verdict, r.position, r.description)


def _value(v):  # values carry no version: everything of theirs that is shown
    return (
        v.pk, v.value, v.qualifier, v.as_of, v.period_start, v.period_end, v.note,
        v.revises_id, v.revision_kind, v.correction_note, v.recorded_at, _row(v.source),
    )  # fmt: skip


def _fact(fact):
    return (fact.token_kind, *_row(fact), fact.slug, _user(fact.checked_by))


def version_of(obj, *, uses: bool = False) -> tuple:
    """Everything ``obj``'s representation depends on, from what its query loaded: a changed
    representation has a changed version. ``uses``: its published stories too (a detail)."""
    if isinstance(obj, Quote):
        parts = (_fact(obj), _row(obj.speaker), _role(obj.role), _row(obj.source))
    elif isinstance(obj, Statistic):
        parts = (_fact(obj), _row(obj.source), tuple(_value(v) for v in obj.values.all()))
    elif isinstance(obj, Claim):
        parts = (
            _fact(obj), _row(obj.claimant), _rating(obj.rating), _row(obj.made_in),
            _row(obj.verdict_source), tuple(_row(s) for s in obj.sources.all()),
        )  # fmt: skip
    else:  # a person or a source: the row itself
        parts = (type(obj).__name__, *_row(obj))
    if uses:
        parts += (obj.public_story_count, tuple(_story(ref) for ref in obj.public_stories))
    return parts


def _story(ref):
    return (ref.slug, ref.title, ref.kind, ref.published_at, ref.updated_at, ref.url, ref.api_url)


def format_version() -> tuple:
    """What the representations depend on besides the rows: the code, and a setting."""
    return (FORMAT_VERSION, settings.NEWSROOM_SITE_NAME)
