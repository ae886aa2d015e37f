from decimal import Decimal

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command

from claims.models import Claim, Person, Quote, Source, Statistic, StatisticValue
from explainers.models import Explainer, Media, Section, SectionBlock, Topic
from explainers.seeding import load_stories

pytestmark = pytest.mark.django_db

UKRAINE = "coalition-of-the-willing-ukraine-peace-plan"
MIGRATION = "small-boats-50000-crossings-starmer"
MODELS = [
    Topic,
    Person,
    Source,
    Statistic,
    StatisticValue,
    Quote,
    Claim,
    Media,
    Explainer,
    Section,
    SectionBlock,
]


def snapshot() -> str:
    return "".join(serializers.serialize("json", model.objects.order_by("pk")) for model in MODELS)


@pytest.fixture
def stories(db):
    load_stories()


def test_both_stories_are_published_with_their_topics(stories):
    assert set(Explainer.objects.published().values_list("slug", flat=True)) == {UKRAINE, MIGRATION}
    assert set(Topic.objects.values_list("name", flat=True)) == {
        "Ukraine",
        "Migration",
        "UK politics",
    }
    assert set(Explainer.objects.get(slug=UKRAINE).topics.values_list("slug", flat=True)) == {
        "ukraine",
        "uk-politics",
    }
    assert Explainer.objects.get(slug=MIGRATION).kind == Explainer.Kind.ANALYSIS


def test_sections_keep_the_question_headings(stories):
    headings = list(Explainer.objects.get(slug=UKRAINE).sections.values_list("heading", flat=True))
    assert headings == [
        "",
        "What is Sir Keir Starmer’s four-point plan?",
        "What is the ‘coalition of the willing’?",
    ]


def test_four_point_plan_is_an_ordered_list(stories):
    section = Section.objects.get(explainer__slug=UKRAINE, position=2)
    assert "<ol>" in section.body_html
    assert section.body_html.count("<li>") == 4


@pytest.mark.parametrize(
    ("slug", "value", "qualifier", "source"),
    [
        ("lancaster-house-summit-leaders", 19, "", "Sky News"),
        ("ukraine-air-defence-export-finance", 1_600_000_000, "", "Sky News"),
        ("ukraine-air-defence-missiles", 5_000, "", "Sky News"),
        ("small-boat-crossings-since-election", 50_271, "", "Home Office"),
        ("small-boat-arrivals-on-monday", 474, "", "Home Office"),
        ("small-boat-crossings-rise-on-year-earlier", 13_000, "around", "Home Office"),
        ("uk-net-migration-2024", 431_000, "", "Sky News"),
        ("starmer-posts-on-migration-in-a-week", 10, "more than", "Sky News"),
    ],
)
def test_every_figure_keeps_its_qualifier_and_the_source_the_text_gives(
    stories, slug, value, qualifier, source
):
    """The text gives no day for any figure, and names no source for net migration: the
    article that reports it is the source."""
    statistic = Statistic.objects.select_related("source").get(slug=slug)
    current = statistic.current
    assert (current.value, current.qualifier) == (Decimal(value), qualifier)
    assert current.shown_source.publisher == source
    assert current.as_of is None
    assert statistic.section_blocks.exists(), "the figure is placed in a story"


def test_net_migration_is_for_the_year_the_text_gives(stories):
    current = Statistic.objects.get(slug="uk-net-migration-2024").current
    assert current.period_display == "in 2024"


def test_export_finance_reads_as_money(stories):
    assert (
        Statistic.objects.get(slug="ukraine-air-defence-export-finance").current.display == "£1.6bn"
    )


def test_every_quote_has_speaker_and_source_and_is_used(stories):
    quotes = Quote.objects.select_related("speaker", "source")
    assert quotes.count() == 9
    for quote in quotes:
        assert quote.speaker and quote.source, quote.slug
        assert quote.section_blocks.exists(), f"{quote.slug} is not placed in a story"
    assert Quote.objects.get(slug="jacqui-smith-not-our-fault").speaker.name == "Jacqui Smith"


def test_media_keep_captions_credits_and_the_video(stories):
    video = Media.objects.get(kind=Media.Kind.VIDEO)
    assert video.title == "Britain must ‘lead from the front’"
    assert video.duration_display == "4:01"
    assert set(Media.objects.filter(kind="image").values_list("credit", flat=True)) == {"AP", "PA"}
    assert Media.objects.filter(
        caption__startswith="A group of people thought to be migrants"
    ).exists()


def test_page_furniture_is_dropped_and_oecd_is_spelt_right(stories):
    bodies = " ".join(Section.objects.values_list("body", flat=True))
    for furniture in (
        "Please use Chrome browser",
        "More from Politics",
        "Pic: PA",
        "Image:",
        "4:01",
    ):
        assert furniture not in bodies
    assert "OCED" not in bodies and "OECD" in bodies


def test_the_one_rated_claim_carries_sky_news_verdict_not_ours(stories):
    [claim] = Claim.objects.all()
    assert (claim.slug, claim.rating.slug) == ("returns-higher-than-under-conservatives", "true")
    assert claim.verdict_by == "Sky News" and not claim.is_our_verdict
    assert claim.verdict_source.slug == "sky-news-small-boats-milestone"


def test_nothing_is_loaded_as_checked(stories):
    for model in (Quote, Statistic, Claim):
        assert not model.objects.filter(checked_on__isnull=False).exists()
        assert not model.objects.filter(checked_by__isnull=False).exists()


def test_loading_twice_leaves_the_database_unchanged(stories):
    before = snapshot()
    report = load_stories()
    assert not report.changed
    assert snapshot() == before


def test_load_stories_command_reports_and_is_idempotent(capsys):
    call_command("load_stories")
    first = capsys.readouterr().out
    assert "created 2 explainers" in first
    assert "updated" not in first  # a fresh database: nothing existed before
    call_command("load_stories")
    assert "nothing changed" in capsys.readouterr().out


def test_a_bad_reference_in_a_seed_file_loads_nothing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[explainers]]\nslug = "x"\ntitle = "X"\nstandfirst = "Y"\n'
        '[[explainers.sections]]\nbody = "[[statistic:missing]]"\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="missing"):
        call_command("load_stories", str(path))
    assert not Explainer.objects.exists()


def test_both_stories_render(stories, client):
    for slug, expected in ((UKRAINE, "£1.6bn"), (MIGRATION, "50,271")):
        response = client.get(f"/explainers/{slug}/")
        assert response.status_code == 200
        assert expected in response.content.decode()


def test_loading_again_keeps_what_editors_changed(stories):
    from explainers.publishing import record_revision
    from tests.factories import UserFactory

    story = Explainer.objects.get(slug=MIGRATION)
    Explainer.objects.filter(pk=story.pk).update(title="An editor's better headline")
    record_revision(story, action="edited", by=UserFactory())
    report = load_stories()
    assert Explainer.objects.get(pk=story.pk).title == "An editor's better headline"
    assert report.kept == {"explainers": 1}
    assert "kept 1 explainers edited since" in str(report)


def test_loading_never_overwrites_a_recorded_statistic_value(stories):
    value = StatisticValue.objects.get(statistic__slug="small-boat-crossings-since-election")
    StatisticValue.objects.filter(pk=value.pk).update(note="Checked against the daily table")
    load_stories()
    assert StatisticValue.objects.get(pk=value.pk).note == "Checked against the daily table"
