"""The explainer admin: the story form with its sections inline, the block picker, the list."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from explainers.blocks import compile_body
from explainers.models import Explainer, Section, SectionBlock
from tests import factories
from tests.factories import add_section

pytestmark = pytest.mark.django_db

BAD_TOKEN = "[[statistic:small-boat-crosings]]"
BAD_TOKEN_ERROR = (
    "[[statistic:small-boat-crosings]]: there is no statistic “small-boat-crosings”. "
    "Did you mean “small-boat-crossings”?"
)


def add_url():
    return reverse("admin:explainers_explainer_add")


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def changelist_url():
    return reverse("admin:explainers_explainer_changelist")


def search_url():
    return reverse("admin:explainers_explainer_block_search")


def current(section):
    """An existing section as the change form shows it; override keys to edit it."""
    return {
        "section": section,
        "order": section.position,
        "heading": section.heading,
        "body": section.body,
    }


def explainer_data(explainer=None, sections=(), **fields):
    """POST data for the explainer add or change form, with the sections inline.

    ``sections`` are dicts with ``heading``, ``body``, ``order``, and for a section that exists,
    ``section`` (see ``current``) and optionally ``delete``. Existing sections must come first,
    as they do in the rendered formset.
    """
    data = {
        "title": "Why are small boats still crossing?",
        "slug": "small-boats",
        "kind": Explainer.Kind.EXPLAINER,
        "standfirst": "What the figures say about crossings this year.",
        "hero": "",
        "status": Explainer.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "seo_title": "",
        "seo_description": "",
        "_save": "Save",
    }
    if explainer is not None:
        data.update(
            title=explainer.title,
            slug=explainer.slug,
            kind=explainer.kind,
            standfirst=explainer.standfirst,
            authors=[str(author.pk) for author in explainer.authors.all()],
            status=explainer.status,
            topics=[str(topic.pk) for topic in explainer.topics.all()],
            base_version=str(explainer.version),  # as the rendered form carries it
        )
    data.update(fields)
    initial = [s for s in sections if s.get("section") is not None]
    assert list(sections[: len(initial)]) == initial, "existing sections come first"
    data.update(
        {
            "sections-TOTAL_FORMS": str(len(sections)),
            "sections-INITIAL_FORMS": str(len(initial)),
            "sections-MIN_NUM_FORMS": "0",
            "sections-MAX_NUM_FORMS": "1000",
        }
    )
    for index, values in enumerate(sections):
        prefix = f"sections-{index}-"
        section = values.get("section")
        data[prefix + "id"] = str(section.pk) if section else ""
        data[prefix + "explainer"] = str(explainer.pk) if explainer else ""
        data[prefix + "order"] = str(values.get("order", ""))
        data[prefix + "heading"] = values.get("heading", "")
        data[prefix + "body"] = values.get("body", "")
        if values.get("delete"):
            data[prefix + "DELETE"] = "on"
    return data


def usage_rows(explainer):
    """Every usage row of a story, as comparable tuples."""
    return list(
        SectionBlock.objects.filter(section__explainer=explainer)
        .order_by("section__position", "position")
        .values_list(
            "pk",
            "section_id",
            "position",
            "kind",
            "quote_id",
            "statistic_id",
            "claim_id",
            "media_id",
            "pinned_value_id",
        )
    )


def usage_row_ids(explainer):
    return list(
        SectionBlock.objects.filter(section__explainer=explainer)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def block_signatures(section):
    """A section's usage rows as they are in the database now, without the section."""
    return [block.signature[1:] for block in SectionBlock.objects.filter(section_id=section.pk)]


def section_rows(explainer):
    return list(
        Section.objects.filter(explainer=explainer)
        .order_by("position")
        .values_list("pk", "position", "heading", "body", "body_html")
    )


def section_errors(response):
    """The sections inline's errors, flattened to strings."""
    formset = response.context["inline_admin_formsets"][0].formset
    messages = [str(message) for message in formset.non_form_errors()]
    for form_errors in formset.errors:
        for field_messages in form_errors.values():
            messages.extend(str(message) for message in field_messages)
    return messages


@pytest.fixture
def story(statistic, quote):
    """A draft story with two sections that place a value and a quote card."""
    explainer = factories.ExplainerFactory(
        title="Small boats explained", slug="small-boats-explained"
    )
    add_section(explainer, body="Crossings reached [[value:small-boat-crossings]] this year.")
    add_section(
        explainer, heading="What did the minister say?", body="[[quote:island-of-strangers]]"
    )
    return explainer


# Add and change pages --------------------------------------------------------------------------


def test_add_page_renders_the_section_inline_with_the_block_picker(editor_client):
    response = editor_client.get(add_url())

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.prefix == "sections"
    assert set(formset.forms[0].fields) >= {"order", "heading", "body", "id", "explainer", "DELETE"}
    assert 'class="block-picker"' in response.content.decode()
    assert f'data-url="{search_url()}"' in response.content.decode()
    assert 'name="sections-TOTAL_FORMS"' in response.content.decode()
    assert 'name="sections-0-body"' in response.content.decode()


def test_change_page_renders_each_section_in_order_with_the_block_picker(editor_client, story):
    response = editor_client.get(change_url(story))

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    headings = [form.instance.heading for form in formset.initial_forms]
    assert headings == ["", "What did the minister say?"]
    assert [form["order"].value() for form in formset.initial_forms] == [1, 2]
    content = response.content.decode()
    assert content.count('class="block-picker"') >= 2
    assert 'name="sections-1-heading"' in content
    assert "[[quote:island-of-strangers]]" in content


# Creating a story ------------------------------------------------------------------------------


def test_adding_a_story_saves_its_sections_in_order_with_their_usage_rows(
    editor_client, statistic, quote
):
    data = explainer_data(
        sections=[
            {"order": 1, "body": "Crossings reached [[value:small-boat-crossings]] this year."},
            {
                "order": 2,
                "heading": "What did the minister say?",
                "body": "[[quote:island-of-strangers]]",
            },
        ]
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 302, section_errors(response)
    explainer = Explainer.objects.get(slug="small-boats")
    first, second = explainer.sections.order_by("position")
    assert (first.position, first.heading) == (1, "")
    assert (second.position, second.heading) == (2, "What did the minister say?")
    assert [(b.kind, b.statistic_id, b.pinned_value_id) for b in first.blocks.all()] == [
        ("value", statistic.pk, None)
    ]
    assert [(b.kind, b.quote_id) for b in second.blocks.all()] == [("quote", quote.pk)]
    assert first.body_html == "<p>Crossings reached <!--block:0--> this year.</p>"
    assert second.body_html == "<!--block:0-->"


def test_new_sections_are_positioned_by_their_order_field_not_their_form_order(editor_client):
    data = explainer_data(
        sections=[
            {"order": 2, "heading": "Second question", "body": "B"},
            {"order": 1, "heading": "First question", "body": "A"},
        ]
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 302, section_errors(response)
    explainer = Explainer.objects.get(slug="small-boats")
    assert list(explainer.sections.order_by("position").values_list("position", "heading")) == [
        (1, "First question"),
        (2, "Second question"),
    ]


def test_pinned_statistic_token_stores_the_value_of_that_date(editor_client):
    statistic = factories.StatisticFactory(
        slug="small-boat-crossings",
        values=[(36816, datetime.date(2024, 12, 31)), (50271, datetime.date(2025, 8, 11))],
    )
    data = explainer_data(
        sections=[{"order": 1, "body": "[[statistic:small-boat-crossings@2025-01-15]]"}]
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 302, section_errors(response)
    block = SectionBlock.objects.get(section__explainer__slug="small-boats")
    assert block.pinned_value == statistic.values.get(as_of=datetime.date(2024, 12, 31))


def test_pinning_a_statistic_before_its_first_value_is_refused(editor_client, statistic):
    data = explainer_data(
        sections=[{"order": 1, "body": "[[statistic:small-boat-crossings@2020-01-01]]"}]
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 200
    assert section_errors(response) == [
        "[[statistic:small-boat-crossings@2020-01-01]]: “Small-boat crossings” has no value "
        "on or before 1 January 2020."
    ]
    assert Explainer.objects.count() == 0


def test_a_new_section_without_an_order_goes_after_the_existing_ones(editor_client, story):
    first, second = story.sections.order_by("position")
    data = explainer_data(
        story,
        sections=[current(first), current(second), {"heading": "What next?", "body": "We wait."}],
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert list(story.sections.order_by("position").values_list("position", "heading")) == [
        (1, ""),
        (2, "What did the minister say?"),
        (3, "What next?"),
    ]


def test_publishing_without_a_publication_time_is_refused_in_words():
    # Status is no longer a form field (it changes only through the workflow), so the rule is
    # checked where every path meets it: model validation, with the constraint's own message.
    explainer = factories.ExplainerFactory.build(
        status=Explainer.Status.PUBLISHED, published_at=None
    )
    with pytest.raises(ValidationError) as error:
        explainer.full_clean()
    messages = " ".join(error.value.messages)
    assert messages.startswith("A published explainer needs a publication time")
    assert "explainer_published_has_date" not in messages


def test_a_status_posted_with_the_form_is_ignored(editor_client, client):
    data = explainer_data(status=Explainer.Status.PUBLISHED, sections=[{"order": 1, "body": "Hi."}])
    data["published_at_0"], data["published_at_1"] = "2025-01-01", "09:00"

    response = editor_client.post(add_url(), data)

    assert response.status_code == 302
    explainer = Explainer.objects.get(slug="small-boats")
    assert explainer.status == Explainer.Status.DRAFT
    assert explainer.published_at is None
    assert client.get(f"/explainers/{explainer.slug}/").status_code == 404


def test_an_empty_extra_section_form_adds_no_section(editor_client):
    data = explainer_data(sections=[{"order": 1, "body": "Only this."}, {}])

    response = editor_client.post(add_url(), data)

    assert response.status_code == 302, section_errors(response)
    explainer = Explainer.objects.get(slug="small-boats")
    assert list(explainer.sections.values_list("position", "body")) == [(1, "Only this.")]


# Refused references ----------------------------------------------------------------------------


def test_misspelt_reference_is_refused_with_a_suggestion_and_nothing_is_saved(
    editor_client, statistic, quote
):
    data = explainer_data(
        sections=[
            {"order": 1, "body": "[[quote:island-of-strangers]]"},
            {"order": 2, "heading": "How many?", "body": f"The count:\n\n{BAD_TOKEN}"},
        ]
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 200
    assert f"Paragraph 2: {BAD_TOKEN_ERROR}" in section_errors(response)
    assert BAD_TOKEN_ERROR in response.content.decode()
    assert Explainer.objects.count() == 0
    assert Section.objects.count() == 0
    assert SectionBlock.objects.count() == 0


def test_unknown_reference_without_a_close_match_is_refused_and_named(editor_client, statistic):
    data = explainer_data(sections=[{"order": 1, "body": "[[claim:nothing-like-this]]"}])

    response = editor_client.post(add_url(), data)

    assert response.status_code == 200
    assert section_errors(response) == [
        "[[claim:nothing-like-this]]: there is no claim “nothing-like-this”."
    ]
    assert Explainer.objects.count() == 0


def test_refused_body_is_shown_again_in_the_form(editor_client, statistic):
    body = f"Crossings are up.\n\n{BAD_TOKEN}"
    data = explainer_data(sections=[{"order": 1, "heading": "How many?", "body": body}])

    response = editor_client.post(add_url(), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0]["body"].value() == body
    assert BAD_TOKEN in response.content.decode()
    assert "Crossings are up." in response.content.decode()


def test_refused_save_on_the_change_page_leaves_the_story_and_its_usage_rows_unchanged(
    editor_client, story, claim
):
    third = add_section(story, heading="What next?", body="[[claim:returns-are-up]]")
    sections_before = section_rows(story)
    usage_before = usage_rows(story)
    first, second = story.sections.order_by("position")[:2]
    data = explainer_data(
        story,
        sections=[
            # A valid edit that would rewrite the first section's usage rows...
            current(first) | {"body": "[[claim:returns-are-up]]", "order": 2},
            # ...refused because the second section now has a misspelt reference...
            current(second) | {"body": BAD_TOKEN, "order": 1},
            # ...so the third is not deleted either.
            current(third) | {"delete": True},
            {"order": 4, "heading": "New question", "body": "[[value:small-boat-crossings]]"},
        ],
        title="A new headline",
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 200
    assert BAD_TOKEN_ERROR in response.content.decode()
    story.refresh_from_db()
    assert story.title == "Small boats explained"
    assert section_rows(story) == sections_before
    assert usage_rows(story) == usage_before


def test_card_token_inside_a_sentence_is_refused_with_advice_to_put_it_on_its_own_line(
    editor_client, quote
):
    data = explainer_data(
        sections=[{"order": 1, "body": "See [[quote:island-of-strangers]] here."}]
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 200
    message = (
        "[[quote:island-of-strangers]] is a card: put it on a line of its own "
        "or use [[said:…]] for quoted words inside a sentence."
    )
    assert section_errors(response) == [message]
    assert message in response.content.decode()
    assert Explainer.objects.count() == 0


def test_two_sections_with_the_same_heading_are_refused(editor_client):
    data = explainer_data(
        sections=[
            {"order": 1, "heading": "Why now?", "body": "Because."},
            {"order": 2, "heading": "why now? ", "body": "Still because."},
        ]
    )

    response = editor_client.post(add_url(), data)

    assert response.status_code == 200
    message = "Another section has this heading; each question should be asked once."
    assert section_errors(response) == [message]
    assert message in response.content.decode()
    assert Explainer.objects.count() == 0
    assert Section.objects.count() == 0


def test_a_deleted_section_does_not_count_as_a_duplicate_heading(editor_client, story):
    first, second = story.sections.order_by("position")
    data = explainer_data(
        story,
        sections=[
            current(first),
            current(second) | {"delete": True},
            {"order": 3, "heading": "What did the minister say?", "body": "Nothing new."},
        ],
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert list(story.sections.order_by("position").values_list("position", "heading", "body")) == [
        (1, "", first.body),
        (2, "What did the minister say?", "Nothing new."),
    ]


# Reordering and deleting -----------------------------------------------------------------------


def test_swapping_two_sections_order_moves_them_and_keeps_their_usage_rows(editor_client, story):
    first, second = story.sections.order_by("position")
    first_blocks = block_signatures(first)
    second_blocks = block_signatures(second)
    data = explainer_data(
        story, sections=[current(first) | {"order": 2}, current(second) | {"order": 1}]
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert list(story.sections.order_by("position").values_list("pk", "position")) == [
        (second.pk, 1),
        (first.pk, 2),
    ]
    assert block_signatures(first) == first_blocks
    assert block_signatures(second) == second_blocks


def test_reordering_three_sections_renumbers_them_one_to_n(editor_client, story):
    first, second = story.sections.order_by("position")
    third = add_section(story, heading="What next?", body="We will see.")
    data = explainer_data(
        story,
        sections=[
            current(first) | {"order": 30},
            current(second) | {"order": 10},
            current(third) | {"order": 20},
        ],
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert list(story.sections.order_by("position").values_list("pk", "position")) == [
        (second.pk, 1),
        (third.pk, 2),
        (first.pk, 3),
    ]


def test_order_zero_puts_a_section_first(editor_client, story):
    first, second = story.sections.order_by("position")
    data = explainer_data(
        story, sections=[current(first) | {"order": 1}, current(second) | {"order": 0}]
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert list(story.sections.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]


def test_deleting_a_section_removes_it_and_its_usage_rows_and_renumbers_the_rest(
    editor_client, story
):
    first, second = story.sections.order_by("position")
    assert first.blocks.exists()
    data = explainer_data(story, sections=[current(first) | {"delete": True}, current(second)])

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert not Section.objects.filter(pk=first.pk).exists()
    assert not SectionBlock.objects.filter(section_id=first.pk).exists()
    assert list(story.sections.values_list("pk", "position")) == [(second.pk, 1)]
    assert SectionBlock.objects.filter(section=second).count() == 1


def test_saving_unchanged_sections_keeps_their_usage_rows(editor_client, story):
    ids_before = usage_row_ids(story)
    data = explainer_data(story, sections=[current(s) for s in story.sections.order_by("position")])

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert usage_row_ids(story) == ids_before


def test_editing_a_section_body_rewrites_its_usage_rows(editor_client, story, claim):
    first, second = story.sections.order_by("position")
    data = explainer_data(
        story, sections=[current(first) | {"body": "[[claim:returns-are-up]]"}, current(second)]
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 302, section_errors(response)
    assert [(b.kind, b.claim_id) for b in Section.objects.get(pk=first.pk).blocks.all()] == [
        ("claim", claim.pk)
    ]
    assert Section.objects.get(pk=first.pk).body_html == "<!--block:0-->"


# Block picker search ---------------------------------------------------------------------------


def test_block_search_returns_groups_of_insertable_tokens(editor_client, statistic, quote, claim):
    factories.MediaFactory(slug="summit-photo")

    response = editor_client.get(search_url())

    assert response.status_code == 200
    groups = {group["text"]: group["children"] for group in response.json()["results"]}
    assert list(groups) == ["Quotes", "Statistics", "Claims", "Media", "Not there? Create it"]
    # The last group opens the picker's small forms; it inserts nothing by itself.
    create = groups.pop("Not there? Create it")
    assert [child["id"] for child in create] == ["new:quote", "new:statistic", "new:claim"]
    tokens = {child["id"] for children in groups.values() for child in children}
    assert {
        "[[quote:island-of-strangers]]",
        "[[said:island-of-strangers]]",
        "[[statistic:small-boat-crossings]]",
        "[[value:small-boat-crossings]]",
        "[[statistic:small-boat-crossings@2025-08-11]]",
        "[[claim:returns-are-up]]",
        "[[media:summit-photo]]",
    } == tokens
    for token in tokens:
        assert len(compile_body(token).blocks) == 1, token


def test_block_search_filters_by_term(editor_client, statistic, quote, claim):
    response = editor_client.get(search_url(), {"term": "boat-cross"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [group["text"] for group in results] == ["Statistics", "Not there? Create it"]
    assert [child["text"] for child in results[1]["children"]] == [
        "New quote “boat-cross”…",
        "New statistic “boat-cross”…",
        "New claim “boat-cross”…",
    ]
    assert all("small-boat-crossings" in child["id"] for child in results[0]["children"])
    assert "50,271" in results[0]["children"][0]["text"]


def test_block_search_redirects_anonymous_users_to_login(client, statistic):
    response = client.get(search_url(), {"term": "boat"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_block_search_is_forbidden_to_staff_without_story_permissions(client, statistic):
    client.force_login(factories.UserFactory(username="intern", is_staff=True))

    response = client.get(search_url(), {"term": "boat"})

    assert response.status_code == 403


# Media -------------------------------------------------------------------------------------------


def test_media_change_page_links_to_the_story_using_it(editor_client):
    media = factories.MediaFactory(slug="summit-photo")
    story = factories.ExplainerFactory(title="The summit")
    add_section(story, body="[[media:summit-photo]]")

    response = editor_client.get(reverse("admin:explainers_media_change", args=[media.pk]))

    assert response.status_code == 200
    assert change_url(story) in response.content.decode()


# Changelist ------------------------------------------------------------------------------------


def test_changelist_search_finds_stories_by_headline(editor_client):
    boats = factories.ExplainerFactory(title="Why small boats keep coming")
    factories.ExplainerFactory(title="Energy bills explained")

    response = editor_client.get(changelist_url(), {"q": "boats"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [boats]


def test_changelist_filters_by_status(editor_client):
    published = factories.ExplainerFactory(published=True)
    factories.ExplainerFactory()

    response = editor_client.get(changelist_url(), {"status": "published"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [published]


def test_changelist_filters_by_kind(editor_client):
    analysis = factories.ExplainerFactory(kind=Explainer.Kind.ANALYSIS)
    factories.ExplainerFactory(kind=Explainer.Kind.EXPLAINER)

    response = editor_client.get(changelist_url(), {"kind": "analysis"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [analysis]


def test_changelist_filters_by_topic_and_lists_topics(editor_client):
    migration = factories.TopicFactory(name="Migration")
    tagged = factories.ExplainerFactory(topics=[migration, factories.TopicFactory(name="Politics")])
    factories.ExplainerFactory()

    response = editor_client.get(changelist_url(), {"topics__id__exact": migration.pk})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [tagged]
    assert "Migration, Politics" in response.content.decode()


def make_listed_stories(count, topics):
    # One fixed publication day, so the date hierarchy does the same drill-down for any size.
    published_at = datetime.datetime(2025, 8, 11, 9, 0, tzinfo=datetime.UTC)
    for _ in range(count):
        factories.ExplainerFactory(
            status=Explainer.Status.PUBLISHED, published_at=published_at, topics=topics
        )


def test_changelist_query_count_does_not_grow_with_the_number_of_stories(
    editor_client, django_assert_max_num_queries
):
    topics = [factories.TopicFactory(), factories.TopicFactory()]
    make_listed_stories(2, topics)
    editor_client.get(changelist_url())  # warm the content type and permission caches
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(changelist_url()).status_code == 200

    make_listed_stories(18, topics)
    # 1 session, 1 user, 2 permissions (user, group), 1 topic filter choices,
    # 2 counts (filtered, total), 1 page of stories, 1 topics prefetch,
    # 2 date hierarchy (first/last date, then the distinct days, as all are on one day).
    with django_assert_max_num_queries(11):
        response = editor_client.get(changelist_url())
    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(changelist_url())

    assert response.context["cl"].result_count == 20
    assert len(many) == len(few)


# Change page query count -----------------------------------------------------------------------


def test_change_page_query_count_does_not_grow_with_sections_and_blocks(
    editor_client, statistic, quote, claim, django_assert_max_num_queries
):
    small = factories.ExplainerFactory()
    add_section(small, body="[[quote:island-of-strangers]]")
    add_section(small, heading="How many?", body="Up to [[value:small-boat-crossings]].")
    big = factories.ExplainerFactory()
    for number in range(30):
        add_section(
            big,
            heading=f"Question {number}",
            body="Up to [[value:small-boat-crossings]].\n\n[[claim:returns-are-up]]",
        )
    assert SectionBlock.objects.filter(section__explainer=big).count() == 60

    editor_client.get(change_url(small))  # warm the content type and permission caches
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(change_url(small)).status_code == 200
    # 1 session, 1 user, 1 story, 1 its topics (prefetched by get_queryset), 2 permissions
    # (user, group), 1 latest revisions, 1 revision count, 1 latest public notes,
    # 1 sections of the inline, 2 its authors (the form's value, the widget's choices);
    # nothing per section, block or revision.
    with django_assert_max_num_queries(12):
        editor_client.get(change_url(big))
    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(change_url(big))

    assert len(response.context["inline_admin_formsets"][0].formset.initial_forms) == 30
    assert len(many) == len(few)
