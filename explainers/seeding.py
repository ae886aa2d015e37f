"""Load stories and their fact blocks from a TOML file (see seeds/stories.toml).

Every record is matched by its slug and only written when it differs, so loading the same file
twice leaves the database exactly as it was. The whole load is one transaction: a bad reference
anywhere means nothing is written.
"""

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_duration

from claims.models import (
    Claim,
    ClaimRating,
    Person,
    PersonRole,
    Quote,
    Rating,
    Source,
    Statistic,
    StatisticValue,
)
from newsroom.core import audit
from newsroom.core.models import AuditEntry

from .models import Author, Explainer, Media, Revision, Section, Topic
from .publishing import SectionText, record_revision, write_sections

DEFAULT_FILE = Path(__file__).resolve().parent / "seeds" / "stories.toml"


class SeedError(Exception):
    pass


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    new: set = field(default_factory=set)  # (model, pk) created by this load

    def count(self, model, created: bool | None) -> None:
        if created is None:
            return
        bucket = self.created if created else self.updated
        name = model._meta.verbose_name_plural
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self):
        kept = "; ".join(f"kept {n} {name} edited since" for name, n in self.kept.items())
        if not self.changed:
            return "Already up to date: nothing changed." + (f" ({kept}.)" if kept else "")
        parts = [f"created {n} {name}" for name, n in self.created.items()]
        parts += [f"updated {n} {name}" for name, n in self.updated.items()]
        return "; ".join(parts + ([kept] if kept else [])) + "."


def upsert(model, lookup: dict, values: dict, report: LoadReport, keep=None):
    """Create or update one row; write nothing when it already matches.

    ``keep(obj)`` returning true leaves an existing row alone (someone edited it in the admin,
    or it is a record that is never overwritten, like a statistic's value).
    """
    values = {
        (f"{key}_id" if isinstance(value, models.Model) else key): (
            value.pk if isinstance(value, models.Model) else value
        )
        for key, value in values.items()
    }
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        report.count(model, created=True)
        report.new.add((model, obj.pk))
        return obj
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    if changed and keep is not None and keep(obj):
        report.kept[model._meta.verbose_name_plural] = (
            report.kept.get(model._meta.verbose_name_plural, 0) + 1
        )
        return obj
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.full_clean()
        obj.save()
        report.count(model, created=False)
    return obj


def set_m2m(obj, name: str, wanted: list, report: LoadReport) -> None:
    manager = getattr(obj, name)
    if {o.pk for o in manager.all()} != {o.pk for o in wanted}:
        manager.set(wanted)
        if (type(obj), obj.pk) not in report.new:  # part of creating it, not an update
            report.count(type(obj), created=False)


def edited_in_admin(obj) -> bool:
    return obj.updated_by_id is not None


def edited_by_people(explainer: Explainer) -> bool:
    """An editor has saved it, or is working on changes: the seed file no longer decides."""
    return (
        explainer.revisions.filter(created_by__isnull=False).exists()
        or Explainer.objects.filter(draft_of=explainer).exists()
    )


def _lookup(index: dict, slug: str, what: str, where: str):
    try:
        return index[slug]
    except KeyError:
        raise SeedError(f"{where}: unknown {what} “{slug}”.") from None


@transaction.atomic
def load_stories(path: Path = DEFAULT_FILE) -> LoadReport:
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    report = LoadReport()
    try:
        _load(data, report)
    except ValidationError as error:
        raise SeedError("; ".join(error.messages)) from error
    return report


# A check means a named person checked it: the seed file has nobody to name.
REFUSED_KEYS = {"checked_on", "checked_by"}


def _refuse_unverifiable(row: dict, where: str) -> None:
    found = REFUSED_KEYS & set(row)
    if found:
        raise SeedError(
            f"{where}: {', '.join(sorted(found))} cannot be loaded: a check is recorded when a "
            "named fact-checker marks the fact as checked, never from a file."
        )


def _load(data: dict, report: LoadReport) -> None:
    topics = {
        row["slug"]: upsert(
            Topic,
            {"slug": row["slug"]},
            {"name": row["name"], "description": row.get("description", "")},
            report,
        )
        for row in data.get("topics", [])
    }
    authors = {
        row["slug"]: upsert(
            Author,
            {"slug": row["slug"]},
            {
                "name": row["name"],
                "kind": row.get("kind", Author.Kind.PERSON),
                "url": row.get("url", ""),
            },
            report,
        )
        for row in data.get("authors", [])
    }
    people, roles = {}, {}
    for row in data.get("people", []):
        person = people[row["slug"]] = upsert(
            Person,
            {"slug": row["slug"]},
            {
                "name": row["name"],
                "role": row.get("role", ""),
                "affiliation": row.get("affiliation", ""),
            },
            report,
        )
        for role in row.get("roles", []):
            roles[(row["slug"], role["title"])] = upsert(
                PersonRole,
                {"person": person, "title": role["title"]},
                {
                    "organisation": role.get("organisation", ""),
                    "name_as_used": role.get("name_as_used", ""),
                    "starts_on": role.get("starts_on"),
                    "ends_on": role.get("ends_on"),
                },
                report,
            )
    sources = {
        row["slug"]: upsert(
            Source,
            {"slug": row["slug"]},
            {
                "title": row["title"],
                "publisher": row["publisher"],
                "author": row.get("author", ""),
                "kind": row["kind"],
                "url": row.get("url", ""),
                "archive_url": row.get("archive_url", ""),
                "published_on": row.get("published_on"),
                "accessed_on": row.get("accessed_on"),
                "notes": row.get("notes", ""),
            },
            report,
        )
        for row in data.get("sources", [])
    }

    def source(slug, where):
        return _lookup(sources, slug, "source", where) if slug else None

    for row in data.get("statistics", []):
        where = f"statistic {row['slug']}"
        _refuse_unverifiable(row, where)
        statistic = upsert(
            Statistic,
            {"slug": row["slug"]},
            {
                "label": row["label"],
                "unit": row.get("unit", ""),
                "prefix": row.get("prefix", ""),
                "display": row.get("display", Statistic.Display.FULL),
                "source": _lookup(sources, row["source"], "source", where),
                "methodology": row.get("methodology", ""),
                "review_by": row.get("review_by"),
            },
            report,
            keep=edited_in_admin,
        )
        for value in row.get("values", []):
            upsert(
                StatisticValue,
                {
                    "statistic": statistic,
                    "as_of": value.get("as_of"),
                    "value": Decimal(value["value"]),
                    "revises": None,
                },
                {
                    "qualifier": value.get("qualifier", ""),
                    "period_start": value.get("period_start"),
                    "period_end": value.get("period_end"),
                    "source": source(value.get("source"), where),
                    "note": value.get("note", ""),
                },
                report,
                keep=lambda obj: True,  # a recorded value is never overwritten
            )

    for row in data.get("quotes", []):
        where = f"quote {row['slug']}"
        _refuse_unverifiable(row, where)
        upsert(
            Quote,
            {"slug": row["slug"]},
            {
                "text": row["text"].strip(),
                "is_partial": row.get("is_partial", False),
                "speaker": _lookup(people, row["speaker"], "person", where),
                "role": _lookup(roles, (row["speaker"], row["role"]), "role", where)
                if row.get("role")
                else None,
                "said_on": row.get("said_on"),
                "said_on_precision": row.get("said_on_precision", "day"),
                "medium": row.get("medium", ""),
                "url": row.get("url", ""),
                "context": row.get("context", ""),
                "source": source(row.get("source"), where),
                "review_by": row.get("review_by"),
            },
            report,
            keep=edited_in_admin,
        )

    ratings = {rating.slug: rating for rating in Rating.objects.all()}
    for row in data.get("claims", []):
        where = f"claim {row['slug']}"
        _refuse_unverifiable(row, where)
        claim = upsert(
            Claim,
            {"slug": row["slug"]},
            {
                "text": row["text"],
                "claimant": _lookup(people, row["claimant"], "person", where)
                if row.get("claimant")
                else None,
                "claimant_name": row.get("claimant_name", ""),
                "claimed_on": row.get("claimed_on"),
                "made_in": source(row.get("made_in"), where),
                "medium": row.get("medium", ""),
                "rating": _lookup(ratings, row["rating"], "rating", where),
                "explanation": row["explanation"],
                "verdict_by": row.get("verdict_by", ""),
                "verdict_source": source(row.get("verdict_source"), where),
                "review_by": row.get("review_by"),
            },
            report,
            keep=edited_in_admin,
        )
        evidence = [_lookup(sources, s, "source", where) for s in row.get("sources", [])]
        problem = claim.evidence_problem(evidence)
        if problem:
            raise SeedError(f"{where}: {problem}")
        set_m2m(claim, "sources", evidence, report)
        verdict = {"rating": claim.rating, "explanation": claim.explanation}
        if not ClaimRating.objects.filter(
            claim=claim, verdict_by=claim.verdict_by, **verdict
        ).exists():
            ClaimRating.objects.create(claim=claim, verdict_by=claim.verdict_by, **verdict)

    media = {}
    for row in data.get("media", []):
        media[row["slug"]] = upsert(
            Media,
            {"slug": row["slug"]},
            {
                "kind": row.get("kind", Media.Kind.IMAGE),
                "title": row.get("title", ""),
                "caption": row.get("caption", ""),
                "credit": row.get("credit", ""),
                "alt_text": row.get("alt_text", ""),
                "video_url": row.get("video_url", ""),
                "duration": parse_duration(row["duration"]) if row.get("duration") else None,
            },
            report,
        )

    for row in data.get("explainers", []):
        _load_explainer(row, topics, authors, media, report)


def _load_explainer(
    row: dict, topics: dict, authors: dict, media: dict, report: LoadReport
) -> None:
    where = f"explainer {row['slug']}"
    before = dict(report.created), dict(report.updated)
    existing = Explainer.objects.stories().filter(slug=row["slug"]).first()
    if existing is not None and edited_by_people(existing):
        report.kept["explainers"] = report.kept.get("explainers", 0) + 1
        return
    status = row.get("status", Explainer.Status.DRAFT)
    published_at = row.get("published_at")
    if published_at is None and status == Explainer.Status.PUBLISHED:
        # When we published it here: the first load. (The original's time is not ours to
        # invent; ``original_published_on`` says it, when the source gives it.)
        published_at = (
            existing.published_at if existing and existing.published_at else timezone.now()
        )
    explainer = upsert(
        Explainer,
        {"slug": row["slug"], "draft_of": None},
        {
            "title": row["title"],
            "kind": row.get("kind", Explainer.Kind.EXPLAINER),
            "standfirst": row["standfirst"],
            "figures": row.get("figures", ""),
            "status": status,
            "published_at": published_at,
            "hero": _lookup(media, row["hero"], "media", where) if row.get("hero") else None,
            "seo_title": row.get("seo_title", ""),
            "seo_description": row.get("seo_description", ""),
            "original_publisher": row.get("original_publisher", ""),
            "original_url": row.get("original_url", ""),
            "original_published_on": row.get("original_published_on"),
            "licence": row.get("licence", ""),
        },
        report,
    )
    set_m2m(
        explainer,
        "authors",
        [_lookup(authors, a, "author", where) for a in row.get("authors", [])],
        report,
    )
    set_m2m(
        explainer,
        "topics",
        [_lookup(topics, t, "topic", where) for t in row.get("topics", [])],
        report,
    )
    sections = []
    for position, section_row in enumerate(row.get("sections", []), start=1):
        body = section_row.get("body", "").strip()
        try:
            sections.append(SectionText.compile(section_row.get("heading", ""), body))
        except ValidationError as error:
            raise SeedError(f"{where}, section {position}: " + " ".join(error.messages)) from error
    written = write_sections(explainer, sections)
    for _ in range(written.created):
        report.count(Section, created=True)
    for _ in range(written.updated + written.deleted):
        report.count(Section, created=False)
    explainer.refresh_from_db()
    if (dict(report.created), dict(report.updated)) != before or not explainer.revisions.exists():
        # Loading is an edit like any other: it leaves a revision and an audit entry.
        action = (
            Revision.Action.PUBLISHED
            if explainer.status == Explainer.Status.PUBLISHED
            else Revision.Action.EDITED
        )
        record_revision(explainer, action=action, by=None, note="Loaded from the seed file")
        audit.record(
            actor=None,
            action=AuditEntry.Action.EDITED,
            obj=explainer,
            message="Loaded from the seed file",
        )
