"""The story changelist filtered to the stories using one block (``?uses=kind:slug``), which
each block's "Used in" list links to once it is too long to show in full."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from explainers import publishing, usage
from tests import factories
from tests.factories import add_section

pytestmark = pytest.mark.django_db


def place(token, explainer=None, **story):
    explainer = explainer or factories.ExplainerFactory(**story)
    add_section(explainer, heading="What happened?", body=f"[[{token}]]")
    return explainer


def story_changelist():
    return reverse("admin:explainers_explainer_changelist")


def listed(response) -> set[str]:
    return {explainer.title for explainer in response.context["cl"].result_list}


def test_story_changelist_filters_to_the_stories_using_a_block(editor_client, quote):
    token = f"quote:{quote.slug}"
    published = place(token, published=True, title="Published story")
    draft = place(token, title="Draft story")
    edited = factories.ExplainerFactory(published=True, title="Edited story")
    place(token, explainer=publishing.working_copy(edited, by=None))  # only its changes use it
    factories.ExplainerFactory(published=True, title="Unrelated story")
    place(f"quote:{factories.QuoteFactory().slug}", published=True, title="Another quote's story")

    response = editor_client.get(story_changelist(), {"uses": token})

    assert response.status_code == 200
    assert listed(response) == {published.title, draft.title, edited.title}
    assert str(quote) in response.content.decode()  # the filter names the block


@pytest.mark.parametrize("value", ["quote:no-such-quote", "nonsense", "person:someone", ":"])
def test_story_changelist_filtered_to_an_unknown_block_lists_nothing(editor_client, quote, value):
    place(f"quote:{quote.slug}", published=True)

    response = editor_client.get(story_changelist(), {"uses": value})

    assert response.status_code == 200
    assert listed(response) == set()


def test_story_changelist_without_the_filter_does_not_offer_it(editor_client, quote):
    place(f"quote:{quote.slug}", published=True)

    response = editor_client.get(story_changelist())

    assert "block used" not in response.content.decode()
    assert len(listed(response)) == 1


def test_media_change_page_lists_only_the_newest_stories_with_the_total(editor_client, monkeypatch):
    monkeypatch.setattr(usage, "ADMIN_LISTED", 3)
    media = factories.MediaFactory()
    now = timezone.now()
    stories = [
        place(
            f"media:{media.slug}",
            published=True,
            title=f"Story {n}",
            published_at=now - datetime.timedelta(hours=n + 1),
        )
        for n in range(4)
    ]

    response = editor_client.get(reverse("admin:explainers_media_change", args=[media.pk]))

    content = response.content.decode()
    assert "Used in 4 stories; the 3 newest:" in content
    assert reverse("admin:explainers_explainer_change", args=[stories[3].pk]) not in content
    link = f"{story_changelist()}?uses=media%3A{media.slug}"
    assertContains(response, f'<a href="{link}">See all 4 stories</a>', html=True)
    filtered = editor_client.get(story_changelist(), {"uses": f"media:{media.slug}"})
    assert listed(filtered) == {story.title for story in stories}
