"""A generated archive of published stories for load tests: ``manage.py generate_archive N``.

Fact blocks are a shared pool (as in a real newsroom, one statistic is used by many stories).
Section texts are compiled once per variant and reused, so writing is bulk inserts only.
"""

import datetime
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from claims.models import Claim, Person, Quote, Rating, Source, Statistic, StatisticValue

from .blocks import compile_body
from .models import Explainer, Section, SectionBlock, Topic

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
        Person(name=f"Archive Speaker {n}", slug=f"archive-person-{n}", role="Minister") for n in range(size)
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
        Statistic(slug=f"archive-statistic-{n}", label=f"Things counted {n}", unit="people", source=sources[n])
        for n in range(size)
    )
    StatisticValue.objects.bulk_create(
        StatisticValue(statistic=statistic, value=Decimal(1000 + n * 37), as_of=datetime.date(2025, 8, 11))
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
        Claim.sources.through(claim_id=claim.pk, source_id=sources[n].pk) for n, claim in enumerate(claims)
    )
    return quotes, statistics, claims


def _variants(quotes, statistics, claims):
    """Compiled section texts, each placing a quote, a statistic card, a value and a claim;
    between them they use every block of the pool, so every fact page is public."""
    variants = []
    for n in range(len(quotes)):
        quote, statistic, claim = quotes[n], statistics[(n * 7) % len(statistics)], claims[(n * 13) % len(claims)]
        body = (
            f"{PARAGRAPH}\n\n[[quote:{quote.slug}]]\n\nThe latest count is [[value:{statistic.slug}]], "
            f"up on last year.\n\n[[statistic:{statistic.slug}]]\n\n{PARAGRAPH}\n\n[[claim:{claim.slug}]]"
        )
        compiled = compile_body(body)
        # Foreign keys as ids: building 100,000s of rows from instances is the slow part.
        blocks = [
            (position, {(f"{k}_id" if hasattr(v, "pk") else k): getattr(v, "pk", v) for k, v in fields.items()})
            for position, fields in compiled.blocks
        ]
        variants.append((body, compiled.html, blocks))
    return variants


def generate_archive(count: int, *, fact_pool: int = 200) -> ArchiveReport:
    """Create ``count`` published explainers with sections and shared fact blocks."""
    started = time.monotonic()
    with transaction.atomic():
        start = Explainer.objects.filter(slug__startswith="archive-").count()
        quotes, statistics, claims = _fact_pool(fact_pool) if start == 0 else (
            list(Quote.objects.filter(slug__startswith="archive-").order_by("pk")),
            list(Statistic.objects.filter(slug__startswith="archive-").order_by("pk")),
            list(Claim.objects.filter(slug__startswith="archive-").order_by("pk")),
        )
        topics = [
            Topic.objects.get_or_create(slug=f"archive-topic-{n}", defaults={"name": f"Archive topic {n}"})[0]
            for n in range(20)
        ]
        variants = _variants(quotes, statistics, claims)
    now = timezone.now()
    for first in range(start, start + count, BATCH):
        size = min(BATCH, start + count - first)
        with transaction.atomic():
            explainers = Explainer.objects.bulk_create(
                Explainer(
                    title=f"What is happening with story {n}?",
                    slug=f"archive-{n}",
                    standfirst="What the figures say, who said what, and what happens next.",
                    byline="Archive desk",
                    status=Explainer.Status.PUBLISHED,
                    published_at=now - datetime.timedelta(minutes=n + 1),
                )
                for n in range(first, first + size)
            )
            Explainer.topics.through.objects.bulk_create(
                Explainer.topics.through(explainer_id=e.pk, topic_id=topics[i % len(topics)].pk)
                for i, e in enumerate(explainers, start=first)
            )
            sections, placed = [], []
            for explainer in explainers:
                for position in range(1, SECTIONS_PER_STORY + 1):
                    body, html, blocks = variants[len(sections) * 31 % len(variants)]
                    sections.append(
                        Section(
                            explainer_id=explainer.pk,
                            position=position,
                            heading="" if position == 1 else f"Question {position}?",
                            body=body,
                            body_html=html,
                        )
                    )
                    placed.append(blocks)
            Section.objects.bulk_create(sections)
            SectionBlock.objects.bulk_create(
                SectionBlock(section_id=section.pk, position=block_position, **fields)
                for section, blocks in zip(sections, placed, strict=True)
                for block_position, fields in blocks
            )
    return ArchiveReport(explainers=count, seconds=time.monotonic() - started)
