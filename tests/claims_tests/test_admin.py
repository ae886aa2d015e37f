"""The fact block admin: changelists, change pages with their usage lists, deletion, adding."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from claims.models import Claim, Person, Quote, Rating, Source, Statistic, StatisticValue
from explainers import publishing, usage
from tests import factories
from tests.factories import add_section

pytestmark = pytest.mark.django_db


def admin_url(obj_or_model, action, *args):
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def change_url(obj):
    return admin_url(obj, "change", obj.pk)


def delete_url(obj):
    return admin_url(obj, "delete", obj.pk)


def story_change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def place(block, explainer=None, **story):
    """Put a fact block in a (new) story as a card, the way the admin saves a section."""
    explainer = explainer or factories.ExplainerFactory(**story)
    add_section(explainer, heading="What happened?", body=f"[[{block.token_kind}:{block.slug}]]")
    return explainer


def make_block(kind):
    return {
        "quote": factories.QuoteFactory,
        "statistic": factories.StatisticFactory,
        "claim": factories.ClaimFactory,
    }[kind]()


# Changelists and change pages render -----------------------------------------------------------

OBJECTS = {
    "quote": lambda: factories.QuoteFactory(),
    "statistic": lambda: factories.StatisticFactory(),
    "claim": lambda: factories.ClaimFactory(),
    "person": lambda: factories.PersonFactory(),
    "source": lambda: factories.SourceFactory(),
    "rating": lambda: Rating.objects.get(slug="misleading"),
}


@pytest.mark.parametrize("kind", OBJECTS)
def test_changelist_renders_and_lists_the_object(editor_client, kind):
    obj = OBJECTS[kind]()

    response = editor_client.get(admin_url(obj, "changelist"))

    assert response.status_code == 200
    assert obj in response.context["cl"].result_list
    assert change_url(obj) in response.content.decode()


@pytest.mark.parametrize("kind", OBJECTS)
def test_change_page_renders_the_object(editor_client, kind):
    obj = OBJECTS[kind]()

    response = editor_client.get(change_url(obj))

    assert response.status_code == 200
    assert response.context["original"] == obj


# Changelist filters ----------------------------------------------------------------------------


def test_quote_changelist_filters_by_speaker(editor_client):
    wanted = factories.QuoteFactory()
    factories.QuoteFactory()

    response = editor_client.get(
        admin_url(Quote, "changelist"), {"speaker__id__exact": wanted.speaker_id}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_quote_changelist_filters_by_source(editor_client):
    wanted = factories.QuoteFactory()
    factories.QuoteFactory()

    response = editor_client.get(
        admin_url(Quote, "changelist"), {"source__id__exact": wanted.source_id}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_statistic_changelist_filters_by_source(editor_client):
    wanted = factories.StatisticFactory()
    factories.StatisticFactory()

    response = editor_client.get(
        admin_url(Statistic, "changelist"), {"source__id__exact": wanted.source_id}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_claim_changelist_filters_by_rating(editor_client):
    wanted = factories.ClaimFactory(rating=Rating.objects.get(slug="false"))
    factories.ClaimFactory()

    response = editor_client.get(
        admin_url(Claim, "changelist"), {"rating__id__exact": wanted.rating_id}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_statistic_changelist_shows_the_newest_value_formatted(editor_client):
    factories.StatisticFactory(
        label="Small-boat crossings",
        values=[(50271, datetime.date(2025, 8, 11)), (60000, datetime.date(2024, 12, 31))],
    )

    response = editor_client.get(admin_url(Statistic, "changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "50,271" in content
    assert "60,000" not in content


def test_changelist_counts_the_stories_using_each_block_once(editor_client, quote):
    story = place(quote)
    place(quote, explainer=story)  # a second section of the same story
    place(quote)

    response = editor_client.get(admin_url(Quote, "changelist"))

    assert [row.use_count for row in response.context["cl"].result_list] == [2]


# Where a block is used -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_change_page_links_to_every_story_using_the_block_drafts_included(editor_client, kind):
    block = make_block(kind)
    published = place(block, published=True, title="Published story")
    draft = place(block, title="Draft story")
    factories.ExplainerFactory(title="Unrelated story")

    response = editor_client.get(change_url(block))

    assert response.status_code == 200
    assert "Used in 2 stories" in response.content.decode()
    for story in (published, draft):
        link = f'<a href="{story_change_url(story)}">{story.title}</a>'
        assertContains(response, link, count=1, html=True)
    assert "Unrelated story" not in response.content.decode()


def test_change_page_of_an_unused_block_says_so(editor_client, quote):
    response = editor_client.get(change_url(quote))

    assert "Not used in any story yet." in response.content.decode()


def stories_using(block, count):
    """``count`` published stories using ``block``, newest first (one hour apart)."""
    now = timezone.now()
    return [
        place(
            block,
            published=True,
            title=f"Story {n:03}",
            published_at=now - datetime.timedelta(hours=n + 1),
        )
        for n in range(count)
    ]


@pytest.fixture
def used_in_limit(monkeypatch):
    monkeypatch.setattr(usage, "ADMIN_LISTED", 3)
    return 3


def story_changelist():
    return reverse("admin:explainers_explainer_changelist")


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_change_page_lists_only_the_newest_stories_with_the_total(
    editor_client, used_in_limit, kind
):
    block = make_block(kind)
    stories = stories_using(block, 5)

    response = editor_client.get(change_url(block))

    content = response.content.decode()
    assert "Used in 5 stories; the 3 newest:" in content
    for story in stories[:3]:
        link = f'<a href="{story_change_url(story)}">{story.title}</a>'
        assertContains(response, link, html=True)
    for story in stories[3:]:
        assert story_change_url(story) not in content
    link = f"{story_changelist()}?uses={block.token_kind}%3A{block.slug}"
    assertContains(response, f'<a href="{link}">See all 5 stories</a>', html=True)


def test_a_short_usage_list_has_no_link_to_more(editor_client, used_in_limit, quote):
    stories_using(quote, 3)

    content = editor_client.get(change_url(quote)).content.decode()

    assert "Used in 3 stories:" in content and "See all" not in content


def test_a_story_with_unpublished_changes_is_one_story(editor_client, quote):
    story = place(quote, published=True, title="Live story")
    publishing.working_copy(story, by=None)  # copies the sections, and so the usage rows
    assert quote.section_blocks.count() == 2

    change_page = editor_client.get(change_url(quote)).content.decode()
    changelist = editor_client.get(admin_url(Quote, "changelist"))

    assert "Used in 1 story:" in change_page
    assert "Published, unpublished changes" in change_page
    assert [row.use_count for row in changelist.context["cl"].result_list] == [1]


# Query counts do not grow with usages ----------------------------------------------------------


def measure(client, url):
    client.get(url)  # warm the content type and permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# 1 session, 1 user, 2 permissions (user, group), the filters' choices (quote: speakers and
# sources; statistic: sources; claim: ratings and claimants), 2 counts (filtered, total; each
# with the story-count annotation), 1 page of blocks with their stories counted in SQL.
CHANGELIST_MAX = {"quote": 9, "statistic": 8, "claim": 9}


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_changelist_query_count_does_not_grow_with_usages(
    editor_client, django_assert_max_num_queries, kind
):
    block = make_block(kind)
    place(block)
    url = admin_url(block, "changelist")
    once = measure(editor_client, url)

    for _ in range(14):
        place(block)
    with django_assert_max_num_queries(CHANGELIST_MAX[kind]):
        response = editor_client.get(url)
    many = measure(editor_client, url)

    assert response.context["cl"].result_list[0].use_count == 15
    assert many == once


# 1 session, 1 user, 1 block, 1 its uses (with their sections and stories), 2 permissions, then
# quote: the speaker for the page title, the speaker and source widgets, the role choices;
# statistic: the values inline (with their statistic and source), the values a new one may
# revise, the source widget, the inline's source widget;
# claim: the sources-cited inline, the verdict history, the claimant widget, the rating choices.
CHANGE_PAGE_MAX = {"quote": 10, "statistic": 10, "claim": 10}


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_change_page_query_count_does_not_grow_with_usages(
    editor_client, django_assert_max_num_queries, kind
):
    block = make_block(kind)
    place(block)
    url = change_url(block)
    once = measure(editor_client, url)

    for _ in range(14):
        place(block)
    with django_assert_max_num_queries(CHANGE_PAGE_MAX[kind]):
        response = editor_client.get(url)
    many = measure(editor_client, url)

    assert "Used in 15 stories" in response.content.decode()
    assert many == once


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_change_page_query_count_stays_the_same_past_the_usage_limit(
    editor_client, used_in_limit, django_assert_max_num_queries, kind
):
    block = make_block(kind)
    stories_using(block, 3)
    url = change_url(block)
    once = measure(editor_client, url)

    stories_using(block, 27)
    with django_assert_max_num_queries(CHANGE_PAGE_MAX[kind]):
        response = editor_client.get(url)
    many = measure(editor_client, url)

    assert "Used in 30 stories; the 3 newest:" in response.content.decode()
    assert many == once


def test_statistic_change_page_query_count_does_not_grow_with_its_values(editor_client):
    few = factories.StatisticFactory(
        values=[(100 + day, datetime.date(2025, 1, day)) for day in range(1, 3)]
    )
    many = factories.StatisticFactory(
        values=[(100 + day, datetime.date(2025, 1, day)) for day in range(1, 21)]
    )

    assert measure(editor_client, change_url(many)) == measure(editor_client, change_url(few))


# Deleting --------------------------------------------------------------------------------------


def used(block):
    """A fact block placed in a story."""
    place(block)
    return block


USED_IN_A_STORY = {
    "quote": lambda: used(factories.QuoteFactory()),
    "statistic": lambda: used(factories.StatisticFactory()),
    "person (speaker of a quote)": lambda: used(factories.QuoteFactory()).speaker,
    "person (claimant of a claim)": lambda: used(factories.ClaimFactory()).claimant,
    "source (of a quote)": lambda: used(factories.QuoteFactory()).source,
    "source (of a statistic)": lambda: used(factories.StatisticFactory()).source,
}


@pytest.mark.parametrize("kind", USED_IN_A_STORY)
def test_delete_page_lists_protected_objects_of_something_a_story_uses(editor_client, kind):
    obj = USED_IN_A_STORY[kind]()

    response = editor_client.get(delete_url(obj))

    assert response.status_code == 200
    assert response.context["protected"]
    assert "protected related objects" in response.content.decode()


@pytest.mark.parametrize("kind", USED_IN_A_STORY)
def test_deleting_something_a_story_uses_is_refused(editor_client, kind):
    obj = USED_IN_A_STORY[kind]()

    response = editor_client.post(delete_url(obj), {"post": "yes"})

    assert response.status_code == 200
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_deleting_a_source_cited_by_a_claim_in_a_story_is_refused(editor_client):
    source = factories.SourceFactory()
    claim = factories.ClaimFactory()
    claim.sources.add(source)
    place(claim, published=True)

    response = editor_client.post(delete_url(source), {"post": "yes"})

    assert response.status_code == 200
    assert Source.objects.filter(pk=source.pk).exists()
    assert list(claim.sources.all()) == [source]


UNUSED = {
    "quote": lambda: factories.QuoteFactory(),
    "statistic": lambda: factories.StatisticFactory(),
    "person": lambda: factories.PersonFactory(),
    "source": lambda: factories.SourceFactory(),
}


@pytest.mark.parametrize("kind", UNUSED)
def test_something_no_story_uses_can_be_deleted(editor_client, kind):
    obj = UNUSED[kind]()

    response = editor_client.post(delete_url(obj), {"post": "yes"})

    assert response.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()


# Adding ----------------------------------------------------------------------------------------


def statistic_data(source, **fields):
    data = {
        "label": "Small-boat crossings",
        "source": str(source.pk),
        "slug": "small-boat-crossings",
        "prefix": "",
        "unit": "people",
        "display": Statistic.Display.FULL,
        "methodology": "",
        "checked_on": "",
        "review_by": "",
        "values-TOTAL_FORMS": "1",
        "values-INITIAL_FORMS": "0",
        "values-MIN_NUM_FORMS": "0",
        "values-MAX_NUM_FORMS": "1000",
        "values-0-id": "",
        "values-0-statistic": "",
        "values-0-value": "50271",
        "values-0-qualifier": "",
        "values-0-as_of": "2025-08-11",
        "values-0-period_start": "2025-01-01",
        "values-0-period_end": "2025-08-11",
        "values-0-source": "",
        "values-0-note": "",
        "values-0-revises": "",
        "values-0-revision_kind": "",
        "values-0-correction_note": "",
        "_save": "Save",
    }
    data.update(fields)
    return data


def test_add_statistic_page_renders_the_values_inline(editor_client):
    response = editor_client.get(admin_url(Statistic, "add"))

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.prefix == "values"
    assert 'name="values-0-as_of"' in response.content.decode()


def test_adding_a_statistic_with_its_first_value_saves_both(editor_client):
    source = factories.SourceFactory()

    response = editor_client.post(admin_url(Statistic, "add"), statistic_data(source))

    assert response.status_code == 302
    statistic = Statistic.objects.get(slug="small-boat-crossings")
    assert statistic.source == source
    assert list(statistic.values.values_list("value", "as_of", "period_start", "period_end")) == [
        (50271, datetime.date(2025, 8, 11), datetime.date(2025, 1, 1), datetime.date(2025, 8, 11))
    ]
    assert statistic.current.display == "50,271"


def test_adding_a_statistic_with_an_invalid_value_saves_nothing(editor_client):
    source = factories.SourceFactory()

    response = editor_client.post(
        admin_url(Statistic, "add"), statistic_data(source, **{"values-0-as_of": "not a date"})
    )

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["as_of"]
    assert not Statistic.objects.exists()
    assert not StatisticValue.objects.exists()


def quote_data(speaker, **fields):
    data = {
        "text": "We risk becoming an island of strangers.",
        "is_partial": "",
        "speaker": str(speaker.pk),
        "role": "",
        "said_on": "2025-05-12",
        "said_on_precision": "day",
        "medium": "",
        "url": "",
        "context": "",
        "source": "",
        "slug": "island-of-strangers",
        "checked_on": "",
        "review_by": "",
        "_save": "Save",
    }
    data.update(fields)
    return data


def test_adding_a_quote_saves_it(editor_client):
    speaker = factories.PersonFactory()

    response = editor_client.post(admin_url(Quote, "add"), quote_data(speaker))

    assert response.status_code == 302
    assert Quote.objects.get(slug="island-of-strangers").speaker == speaker


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_quote_without_words_is_refused(editor_client, text):
    speaker = factories.PersonFactory()

    response = editor_client.post(admin_url(Quote, "add"), quote_data(speaker, text=text))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["text"]
    assert not Quote.objects.exists()


def test_person_changelist_counts_their_quotes(editor_client):
    speaker = factories.PersonFactory()
    factories.QuoteFactory.create_batch(3, speaker=speaker)

    response = editor_client.get(admin_url(Person, "changelist"))

    assert [(row, row.num_quotes) for row in response.context["cl"].result_list] == [(speaker, 3)]


def claim_data(**fields):
    data = {
        "text": "Returns are up.",
        "claimant": "",
        "claimant_name": "",
        "claimed_on": "",
        "made_in": "",
        "medium": "",
        "slug": "returns-are-up",
        "rating": str(Rating.objects.get(slug="false").pk),
        "explanation": "They are down.",
        "verdict_by": "",
        "verdict_source": "",
        "checked_on": "",
        "review_by": "",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
        "ratings-TOTAL_FORMS": "0",
        "ratings-INITIAL_FORMS": "0",
        "ratings-MIN_NUM_FORMS": "0",
        "ratings-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(fields)
    return data


def test_adding_a_claim_with_a_cited_source_saves_both(editor_client):
    source = factories.SourceFactory()
    data = claim_data(
        claimant_name="The government",
        **{"citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk)},
    )

    response = editor_client.post(admin_url(Claim, "add"), data)

    assert response.status_code == 302
    assert list(Claim.objects.get(slug="returns-are-up").sources.all()) == [source]


@pytest.mark.parametrize("claimant_name", ["", "  "])
def test_claim_without_a_claimant_is_refused_with_one_message_in_words(
    editor_client, claimant_name
):
    response = editor_client.post(admin_url(Claim, "add"), claim_data(claimant_name=claimant_name))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Say who made the claim: pick a person or name the claimant."
    ]
    assert "claim_has_claimant" not in response.content.decode()
    assert not Claim.objects.exists()
