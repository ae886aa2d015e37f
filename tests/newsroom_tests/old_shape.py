"""Migrate a scratch database holding the shape of the data before provenance, and report what
became of it (run by test_migrations.py in its own process, so the test database is untouched).

Usage: python -m tests.newsroom_tests.old_shape   (DATABASE_URL names the scratch database)
"""

import datetime
import json
import os
from decimal import Decimal

BEFORE = [
    ("claims", "0004_add_versions"),
    ("explainers", "0005_mark_edited_working_copies"),
    ("newsroom", "0008_widen_audit_object_id"),
]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    write_old_shape(old)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    print(json.dumps(read_new_shape(), default=str))


def write_old_shape(apps) -> None:
    """What the live site held: a statistic with a qualifier and free-text periods, a person
    with one undated role, a claim with a verdict, a story with a free-text byline."""
    Source = apps.get_model("claims", "Source")
    Person = apps.get_model("claims", "Person")
    Statistic = apps.get_model("claims", "Statistic")
    StatisticValue = apps.get_model("claims", "StatisticValue")
    Quote = apps.get_model("claims", "Quote")
    Claim = apps.get_model("claims", "Claim")
    Rating = apps.get_model("claims", "Rating")
    Explainer = apps.get_model("explainers", "Explainer")

    home_office = Source.objects.create(
        slug="home-office", title="Small boats", publisher="Home Office", kind="official"
    )
    sky = Source.objects.create(slug="sky", title="Article", publisher="Sky News", kind="news")
    starmer = Person.objects.create(
        slug="keir-starmer", name="Keir Starmer", role="Prime Minister", affiliation="Labour"
    )
    statistic = Statistic.objects.create(
        slug="crossings", label="Crossings", unit="people", qualifier="around", source=home_office
    )
    StatisticValue.objects.create(
        statistic=statistic, value=Decimal(13000), as_of=datetime.date(2025, 8, 11),
        period="on a year earlier", note="Home Office weekly figures",
    )  # fmt: skip
    StatisticValue.objects.create(
        statistic=statistic, value=Decimal(12000), as_of=datetime.date(2025, 7, 1)
    )
    Quote.objects.create(
        slug="welcome", text="We welcome migrants.", speaker=starmer, source=sky,
        checked_on=datetime.date(2025, 3, 4),  # a date with nobody named: not a check
    )  # fmt: skip
    Claim.objects.create(
        slug="returns", text="Returns are up.", claimant=starmer,
        rating=Rating.objects.get(slug="true"), explanation="They are.",
    )  # fmt: skip
    Explainer.objects.create(slug="by-sky", title="One", byline="Sky News", status="draft")
    Explainer.objects.create(slug="by-ann", title="Two", byline="Ann Reporter", status="draft")
    Explainer.objects.create(slug="by-sky-too", title="Three", byline="Sky News", status="draft")
    Explainer.objects.create(slug="anonymous", title="Four", byline="", status="draft")


def read_new_shape() -> dict:
    from claims.models import Claim, Person, Quote, Statistic
    from explainers.models import Explainer

    statistic = Statistic.objects.get(slug="crossings")
    quote = Quote.objects.get(slug="welcome")
    claim = Claim.objects.get(slug="returns")
    return {
        "values": [
            [
                format(v.value.normalize(), "f"),
                v.qualifier,
                v.as_of,
                v.note,
                v.shown_source.publisher,
            ]
            for v in statistic.history
        ],
        "roles": [
            [r.title, r.organisation, r.starts_on, r.ends_on]
            for r in Person.objects.get(slug="keir-starmer").roles.all()
        ],
        "quote_role": str(quote.role_at_the_time) if quote.role_at_the_time else None,
        "quote_checked": quote.is_checked,
        "quote_checked_on": quote.checked_on,
        "ratings": [[r.rating.slug, r.explanation, r.verdict_by] for r in claim.ratings.all()],
        "our_verdict": claim.is_our_verdict,
        "authors": {
            story.slug: [[a.name, a.kind] for a in story.authors.all()]
            for story in Explainer.objects.order_by("slug")
        },
    }


if __name__ == "__main__":
    main()
