"""Writing aids beside the form: word count, reading time and the checks before publishing, for
the unsaved text, each problem with the place it concerns."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Quote
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db


def change_url(story):
    return reverse("admin:explainers_explainer_change", args=[story.pk])


def proofing_url(story):
    return reverse("admin:explainers_explainer_proofing", args=[story.pk])


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


@pytest.fixture
def crossings():
    return factories.StatisticFactory(
        slug="small-boat-crossings",
        label="Small-boat crossings",
        values=[(50271, datetime.date(2025, 8, 11))],
    )


def proof(client, story, **typed):
    page = client.get(change_url(story))
    response = client.post(proofing_url(story), admin_form_data(page, **typed))
    assert response.status_code == 200, response.content[:500]
    return response.json()


def checks(result, kind):
    return [problem for problem in result["problems"] if problem["check"] == kind]


def test_word_count_and_reading_time_follow_the_unsaved_text(desk):
    story = factories.ExplainerFactory(title="Four words of headline", standfirst="")
    add_section(story, heading="Two words", body="Saved.")

    result = proof(desk, story, **{"sections-0-body": "word " * 498 + "50,271 people."})

    # 4 in the headline, 2 in the heading, 500 typed (a figure is one word): 506 words, 3
    # minutes at 230 a minute.
    assert result["words"] == 506
    assert result["reading_minutes"] == 3


def test_a_figure_typed_by_hand_that_a_statistic_holds_is_listed_with_its_token(desk, crossings):
    story = factories.ExplainerFactory()
    add_section(story, heading="How many?", body="Saved.")

    result = proof(
        desk,
        story,
        **{"sections-0-body": "In 2025, 50,271 people crossed; 12 boats a day in May."},
    )

    [typed] = checks(result, "typed-figure")
    assert typed["find"] == "50,271"
    assert "[[value:small-boat-crossings]]" in typed["message"]
    assert typed["field"] == "id_sections-0-body"
    assert typed["where"] == "Section 1 (“How many?”)"
    assert typed["url"] == reverse("admin:claims_statistic_change", args=[crossings.pk])


def test_a_rounded_figure_near_a_statistic_the_story_shows_is_listed(desk, crossings):
    story = factories.ExplainerFactory()
    add_section(story, body="[[statistic:small-boat-crossings]]")

    body = "[[statistic:small-boat-crossings]]\n\nAround 50,000 people crossed, not £3bn."
    result = proof(desk, story, **{"sections-0-body": body})

    [typed] = checks(result, "typed-figure")
    assert typed["find"] == "50,000"
    assert "(now 50,271)" in typed["message"]


def test_figures_in_tokens_years_small_counts_and_links_are_not_listed(desk, crossings):
    story = factories.ExplainerFactory()
    add_section(story, body="Saved.")

    body = (
        "In 2025 [[value:small-boat-crossings]] people crossed in 12 boats "
        "([the data](https://example.org/50271)), `50271` in code."
    )
    result = proof(desk, story, **{"sections-0-body": body})

    assert checks(result, "typed-figure") == []


def test_headings_out_of_order_links_without_text_and_images_without_alt(desk):
    story = factories.ExplainerFactory()
    # A file whose alt text is only spaces (the database refuses only an empty one); an image
    # without a file is shown as its caption and credit, with nothing to describe.
    photo = factories.MediaFactory(slug="summit-photo", image="images/summit.png", alt_text="  ")
    factories.MediaFactory(slug="no-file", alt_text="")
    add_section(story, body="Saved.")

    body = (
        "#### Too deep\n\nSee [](https://example.org) and [click here](https://example.org).\n\n"
        "[[media:summit-photo]]\n\n[[media:no-file]]\n\n![a chart](https://example.org/c.png)"
    )
    result = proof(desk, story, **{"sections-0-body": body})

    [heading] = checks(result, "heading-order")
    assert heading["find"] == "#### Too deep" and "use ###" in heading["message"]
    links = checks(result, "link-text")
    assert [link["find"] for link in links] == [
        "[](https://example.org)",
        "[click here](https://example.org)",
    ]
    alts = checks(result, "alt-text")
    assert [alt["find"] for alt in alts] == [
        "media:summit-photo",
        "![a chart](https://example.org/c.png)",
    ]
    assert alts[0]["url"] == reverse("admin:explainers_media_change", args=[photo.pk])


def test_facts_never_checked_are_listed_and_a_checked_one_is_not(desk, crossings):
    checker = get_user_model().objects.create_user("fay", first_name="Fay", last_name="Checker")
    unchecked = factories.QuoteFactory(slug="island")
    crossings.checked_by, crossings.checked_on = checker, datetime.date(2026, 11, 1)
    crossings.save()
    story = factories.ExplainerFactory()
    add_section(story, body="Saved.")

    body = "[[quote:island]]\n\n[[statistic:small-boat-crossings]]\n\nAs [[said:island]] put it."
    result = proof(desk, story, **{"sections-0-body": body})

    unchecked_problems = checks(result, "unchecked")
    assert len(unchecked_problems) == 1  # placed twice, one thing to check
    assert unchecked_problems[0]["url"] == reverse("admin:claims_quote_change", args=[unchecked.pk])
    assert Quote.objects.get(pk=unchecked.pk).checked_by is None


def test_a_bad_token_does_not_stop_the_checks(desk):
    story = factories.ExplainerFactory()
    add_section(story, body="Saved.")

    result = proof(desk, story, **{"sections-0-body": "[[statistic:nope]] and [](https://x.org)"})

    assert len(checks(result, "link-text")) == 1


def test_the_checks_cost_the_same_queries_for_a_short_and_a_long_story(desk, crossings):
    """Each section places facts of its own (a lookup per fact would show), and types a figure
    a different statistic holds."""
    counts = []
    for size in (1, 12):
        story = factories.ExplainerFactory(slug=f"s{size}")
        for n in range(size):
            quote = factories.QuoteFactory()
            figure = factories.StatisticFactory(values=[(1000 + n, None)])
            add_section(
                story,
                heading=f"Q{n}?",
                body=f"[[quote:{quote.slug}]]\n\n[[statistic:{figure.slug}]]\n\n"
                f"Some {1000 + n:,} people, 50,271 and £1.6bn, [here](https://example.org).",
            )
        data = admin_form_data(desk.get(change_url(story)))
        with CaptureQueriesContext(connection) as queries:
            response = desk.post(proofing_url(story), data)
        assert response.status_code == 200
        assert len(response.json()["problems"]) >= 3
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_only_people_who_may_see_the_story_get_its_checks(client, crossings):
    story = factories.ExplainerFactory()
    add_section(story, body="Saved.")

    assert client.post(proofing_url(story), {}).status_code == 302  # to the login page
    outsider = get_user_model().objects.create_user("outsider", is_staff=True)
    client.force_login(outsider)
    assert client.post(proofing_url(story), {}).status_code == 403
