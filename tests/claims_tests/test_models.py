import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims.models import Quote, Statistic, StatisticValue, format_number
from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    add_section,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "display", "prefix", "expected"),
    [
        ("50271", "full", "", "50,271"),
        ("431000", "full", "", "431,000"),
        ("1600000000", "compact", "£", "£1.6bn"),
        ("5000", "compact", "", "5,000"),
        ("2000000", "compact", "", "2m"),
        ("12.5", "percent", "", "12.5%"),
        ("-3.25", "full", "£", "-£3.25"),
        ("0.25", "percent", "", "0.3%"),
        ("19", "full", "", "19"),
        ("3.60", "full", "£", "£3.60"),  # as the text wrote it, not £3.6
        ("3.5", "full", "$", "$3.50"),
        ("3", "full", "£", "£3"),
        ("1.5", "full", "", "1.5"),
    ],
)
def test_figures_are_formatted_for_readers(value, display, prefix, expected):
    assert format_number(Decimal(value), display=display, prefix=prefix) == expected


def test_current_value_is_the_newest_by_date():
    stat = StatisticFactory(
        values=[(200, datetime.date(2025, 6, 1)), (100, datetime.date(2025, 1, 1))]
    )
    assert stat.current.value == 200
    assert stat.value_on(datetime.date(2025, 5, 31)).value == 100
    assert stat.value_on(datetime.date(2024, 12, 31)) is None


def test_a_pinned_story_keeps_its_figure_corrected_when_nothing_is_dated():
    """An analysis published with 474 (no date given) shows 475 once we correct our typo, and
    never the 900 recorded after it was published."""
    from django.utils import timezone

    stat = StatisticFactory(values=[])
    mistake = stat.record_value(value=474)
    published = timezone.now()
    correction = stat.record_value(
        value=475,
        revises=mistake,
        revision_kind=StatisticValue.Revision.CORRECTION,
        correction_note="We transposed two digits.",
    )
    StatisticValue.objects.filter(pk=correction.pk).update(
        recorded_at=published + datetime.timedelta(days=2)
    )
    later = stat.record_value(value=900)
    StatisticValue.objects.filter(pk=later.pk).update(
        recorded_at=published + datetime.timedelta(days=3)
    )
    stat = Statistic.objects.prefetch_related("values").get(pk=stat.pk)

    shown = stat.value_on(timezone.localdate(published), known_at=published)

    assert shown is not None and shown.value == 475
    assert stat.current.value == 900


def test_one_value_per_statistic_and_date():
    stat = StatisticFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatisticValue.objects.create(statistic=stat, value=1, as_of=stat.current.as_of)


def test_quote_text_cannot_be_empty_in_the_database():
    quote = QuoteFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(text="")


def test_claim_needs_a_claimant():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(claim).objects.filter(pk=claim.pk).update(claimant=None, claimant_name="")


def test_fact_slugs_are_unique():
    StatisticFactory(slug="crossings")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatisticFactory(slug="crossings")


def test_used_fact_blocks_cannot_be_deleted(statistic, quote, claim):
    add_section(
        ExplainerFactory(),
        f"[[statistic:{statistic.slug}]]\n\n[[quote:{quote.slug}]]\n\n[[claim:{claim.slug}]]",
    )
    for block in (statistic, quote, claim, quote.speaker, statistic.source):
        with pytest.raises(ProtectedError), transaction.atomic():
            block.delete()


def test_unused_fact_block_can_be_deleted():
    stat = StatisticFactory()
    stat.delete()
    assert not Statistic.objects.exists()


def test_a_source_or_person_in_use_by_a_quote_is_protected():
    person, source = PersonFactory(), SourceFactory()
    QuoteFactory(speaker=person, source=source)
    with pytest.raises(ProtectedError):
        person.delete()
    with pytest.raises(ProtectedError):
        source.delete()


def test_public_blocks_are_those_used_in_a_published_story(statistic):
    other = StatisticFactory()
    add_section(ExplainerFactory(published=True), f"[[statistic:{statistic.slug}]]")
    add_section(ExplainerFactory(), f"[[statistic:{other.slug}]]")
    assert list(Statistic.objects.public()) == [statistic]


def test_used_in_lists_each_story_once(statistic):
    explainer = ExplainerFactory(published=True)
    add_section(explainer, f"[[statistic:{statistic.slug}]]")
    add_section(explainer, f"Again: [[value:{statistic.slug}]]")
    fact = Statistic.objects.with_public_stories().get(pk=statistic.pk)
    assert [story.slug for story in fact.public_stories] == [explainer.slug]
