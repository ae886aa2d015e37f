"""A generated archive of published stories for load tests: ``manage.py generate_archive N``.

Fact blocks are a shared pool (as in a real newsroom, one statistic is used by many stories).
Section texts are compiled once per variant and reused, so writing is plain row inserts only.
"""

import datetime
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, connections, models, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from claims.models import Claim, Person, Quote, Rating, Source, Statistic, StatisticValue

from .blocks import compile_body
from .models import Author, Explainer, Section, SectionBlock, Topic

SECTIONS_PER_STORY = 4
BATCH = 2000
PARAGRAPH = (
    "Ministers say the new arrangements will make a difference within months, but the figures "
    "published so far point in different directions, and the people most affected say they "
    "have yet to see any change. Here is what we know, and what we do not."
)


@dataclass
class ArchiveReport:
    explainers: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.explainers / self.seconds if self.seconds else float("inf")


def _fact_pool(size: int):
    """People, sources, quotes, statistics and claims shared by every generated story."""
    rating = Rating.objects.order_by("pk").first()
    people = Person.objects.bulk_create(
        Person(name=f"Archive Speaker {n}", slug=f"archive-person-{n}", role="Minister")
        for n in range(size)
    )
    sources = Source.objects.bulk_create(
        Source(
            title=f"Archive report {n}",
            slug=f"archive-source-{n}",
            publisher="Office for Figures",
            kind=Source.Kind.OFFICIAL_STATISTICS,
        )
        for n in range(size)
    )
    quotes = Quote.objects.bulk_create(
        Quote(
            slug=f"archive-quote-{n}",
            text=f"We will keep our promise on this, whatever it takes ({n}).",
            speaker=people[n],
            source=sources[n],
            said_on=datetime.date(2025, 1, 1),
        )
        for n in range(size)
    )
    statistics = Statistic.objects.bulk_create(
        Statistic(
            slug=f"archive-statistic-{n}",
            label=f"Things counted {n}",
            unit="people",
            source=sources[n],
        )
        for n in range(size)
    )
    StatisticValue.objects.bulk_create(
        StatisticValue(
            statistic=statistic, value=Decimal(1000 + n * 37), as_of=datetime.date(2025, 8, 11)
        )
        for n, statistic in enumerate(statistics)
    )
    claims = Claim.objects.bulk_create(
        Claim(
            slug=f"archive-claim-{n}",
            text=f"Arrivals have halved since the election ({n}).",
            claimant=people[n],
            rating=rating,
            explanation="The official figures show a smaller fall.",
        )
        for n in range(size)
    )
    Claim.sources.through.objects.bulk_create(
        Claim.sources.through(claim_id=claim.pk, source_id=sources[n].pk)
        for n, claim in enumerate(claims)
    )
    return quotes, statistics, claims


def _variants(quotes, statistics, claims):
    """Compiled section texts, each placing a quote, a statistic card, a value and a claim;
    between them they use every block of the pool, so every fact page is public."""
    values = StatisticValue.objects.filter(statistic__in=statistics)
    prefetch_related_objects(statistics, Prefetch("values", queryset=values))
    known = {
        model: {fact.slug: fact for fact in facts}
        for model, facts in [(Quote, quotes), (Statistic, statistics), (Claim, claims)]
    }
    variants = []
    for n in range(len(quotes)):
        quote, statistic, claim = (
            quotes[n],
            statistics[(n * 7) % len(statistics)],
            claims[(n * 13) % len(claims)],
        )
        body = (
            f"{PARAGRAPH}\n\n[[quote:{quote.slug}]]\n\nThe latest count is [[value:{statistic.slug}]], "
            f"up on last year.\n\n[[statistic:{statistic.slug}]]\n\n{PARAGRAPH}\n\n[[claim:{claim.slug}]]"
        )
        compiled = compile_body(body, known=known)
        # Foreign keys as ids: building 100,000s of rows from instances is the slow part.
        blocks = [(position, _block_values(fields)) for position, fields in compiled.blocks]
        variants.append((body, compiled.html, blocks))
    return variants


def _block_values(fields: dict) -> tuple:
    """A compiled block's fields (instances) as the values of BLOCK_COLUMNS (ids)."""
    ids = {(f"{k}_id" if hasattr(v, "pk") else k): getattr(v, "pk", v) for k, v in fields.items()}
    assert ids.keys() <= set(BLOCK_COLUMNS), f"unexpected block fields: {sorted(ids)}"
    return tuple(ids.get(column) for column in BLOCK_COLUMNS)


def generate_archive(
    count: int, *, fact_pool: int = 200, workers: int | None = None
) -> ArchiveReport:
    """Create ``count`` published explainers with sections and shared fact blocks.

    On PostgreSQL, outside a transaction, batches are written by ``workers`` processes at once
    (default: one per core): the database's own work (search indexes, foreign key checks) is
    most of the cost, and one connection keeps only one core busy.
    """
    started = time.monotonic()
    with transaction.atomic():
        start = Explainer.objects.filter(slug__startswith="archive-").count()
        quotes, statistics, claims = (
            _fact_pool(fact_pool)
            if start == 0
            else (
                list(Quote.objects.filter(slug__startswith="archive-").order_by("pk")),
                list(Statistic.objects.filter(slug__startswith="archive-").order_by("pk")),
                list(Claim.objects.filter(slug__startswith="archive-").order_by("pk")),
            )
        )
        topics = [
            Topic.objects.get_or_create(
                slug=f"archive-topic-{n}", defaults={"name": f"Archive topic {n}"}
            )[0].pk
            for n in range(20)
        ]
        desk, _ = Author.objects.get_or_create(
            slug="archive-desk", defaults={"name": "Archive desk", "kind": Author.Kind.ORGANISATION}
        )
        writer = _BatchWriter(
            topics, _variants(quotes, statistics, claims), now=timezone.now(), author=desk.pk
        )
    workers = workers or os.cpu_count() or 1
    size = max(1, min(BATCH, -(-count // workers)))  # every worker gets a share of a small archive
    batches = [
        (first, min(size, start + count - first)) for first in range(start, start + count, size)
    ]
    workers = min(workers, len(batches))
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Forked children must not share the parent's connection: each opens its own.
        # The writer reaches them through the fork, as it cannot be pickled.
        connections.close_all()
        global _forked_writer
        _forked_writer = writer
        try:
            with ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("fork")
            ) as pool:
                list(pool.map(_write_in_child, batches))
        finally:
            _forked_writer = None
    else:
        for batch in batches:
            writer(batch)
    return ArchiveReport(explainers=count, seconds=time.monotonic() - started)


_forked_writer = None


def _write_in_child(batch: tuple[int, int]) -> None:
    _forked_writer(batch)


class _BatchWriter:
    """Writes one batch of stories, their topic links, sections and block rows."""

    def __init__(self, topics: list[int], variants: list, *, now, author: int):
        self.topics, self.variants, self.now, self.author = topics, variants, now, author
        self.explainer_row = _RowMaker(
            Explainer(
                standfirst="What the figures say, who said what, and what happens next.",
                status=Explainer.Status.PUBLISHED,
            ),
            ["id", "title", "slug", "published_at"],
        )
        self.section_row = _RowMaker(
            Section(), ["id", "explainer_id", "position", "heading", "body", "body_html"]
        )
        self.block_row = _RowMaker(SectionBlock(), ["section_id", "position", *BLOCK_COLUMNS])

    def __call__(self, batch: tuple[int, int]) -> None:
        first, size = batch
        explainer_row, section_row, block_row = self.explainer_row, self.section_row, self.block_row
        with transaction.atomic():
            explainer_ids = _reserve_ids(Explainer, size)
            section_ids = iter(_reserve_ids(Section, size * SECTIONS_PER_STORY))
            explainers, links, sections, blocks, bylines = [], [], [], [], []
            for n, explainer_id in enumerate(explainer_ids, start=first):
                published_at = self.now - datetime.timedelta(minutes=n + 1)
                explainers.append(
                    explainer_row(
                        explainer_id,
                        f"What is happening with story {n}?",
                        f"archive-{n}",
                        published_at,
                    )
                )
                links.append((explainer_id, self.topics[n % len(self.topics)]))
                bylines.append((explainer_id, self.author))
                for position in range(1, SECTIONS_PER_STORY + 1):
                    body, html, placed = self.variants[
                        (n * SECTIONS_PER_STORY + position) * 31 % len(self.variants)
                    ]
                    section_id = next(section_ids)
                    heading = "" if position == 1 else f"Question {position}?"
                    sections.append(
                        section_row(section_id, explainer_id, position, heading, body, html)
                    )
                    blocks.extend(
                        block_row(section_id, block_position, *fields)
                        for block_position, fields in placed
                    )
            _insert(Explainer, explainer_row.columns, explainers)
            _insert(Explainer.topics.through, ["explainer_id", "topic_id"], links)
            _insert(Explainer.authors.through, ["explainer_id", "author_id"], bylines)
            _insert(Section, section_row.columns, sections)
            _insert(SectionBlock, block_row.columns, blocks)


# --- Fast inserts -----------------------------------------------------------------------------
# Building hundreds of thousands of model instances is what made bulk_create the slow part, so
# rows are plain tuples: COPY on PostgreSQL, executemany elsewhere (SQLite for the tests).

BLOCK_COLUMNS = ["kind", "quote_id", "statistic_id", "claim_id", "media_id", "pinned_value_id"]


class _RowMaker:
    """Turns the varying values of a row into a full tuple of database values, the rest of the
    columns taken once from ``template`` (model defaults, auto_now times)."""

    def __init__(self, template, varying: list[str]):
        fields = {field.column: field for field in template._meta.concrete_fields}
        base = {
            column: field.get_db_prep_save(field.pre_save(template, add=True), connection)
            for column, field in fields.items()
            if column not in varying and not field.primary_key
        }
        self.columns = [*varying, *base]
        self.rest = tuple(base.values())
        self.prepare = [_preparer(fields[column]) for column in varying]

    def __call__(self, *values) -> tuple:
        return (
            *(prepare(value) for prepare, value in zip(self.prepare, values, strict=True)),
            *self.rest,
        )


def _preparer(field):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    return lambda value: value


def _reserve_ids(model, size: int) -> list[int]:
    """Primary keys for ``size`` new rows, so children can point at them before insertion."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, size],
            )
            return [row[0] for row in cursor.fetchall()]
        qn = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({qn(column)}), 0) FROM {qn(table)}")
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + size))


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    qn = connection.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
