"""Every button on a story's change page acts on what is in the form: a workflow step saves the
typed text first (through the same checks) or refuses and keeps it; Preview renders the unsaved
form. Nothing typed is dropped."""

import pytest
from django.urls import reverse

from explainers.models import Explainer
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def preview_url(explainer):
    return reverse("admin:explainers_explainer_preview_form", args=[explainer.pk])


def reload(explainer):
    return Explainer.objects.get(pk=explainer.pk)


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


@pytest.fixture
def draft():
    story = factories.ExplainerFactory(title="Draft headline", slug="draft")
    add_section(story, heading="What happened?", body="The saved text.")
    return story


@pytest.fixture
def live():
    story = factories.ExplainerFactory(published=True, title="Live headline", slug="live")
    add_section(story, heading="What happened?", body="The published text.")
    return story


def press(client, story, verb, **typed):
    """Type into the open change page, then press a workflow button (not Save)."""
    page = client.get(change_url(story), follow=True)
    url = page.redirect_chain[-1][0] if page.redirect_chain else change_url(story)
    return client.post(url, admin_form_data(page, _workflow=verb, **typed))


def test_publish_now_publishes_the_text_typed_but_not_yet_saved(client, desk, draft):
    response = press(desk, draft, "publish", title="Typed, never saved, headline")

    assert response.status_code == 302
    story = reload(draft)
    assert story.is_live and story.title == "Typed, never saved, headline"
    assert "Typed, never saved, headline" in client.get(story.get_absolute_url()).content.decode()


def test_publish_these_changes_publishes_an_unsaved_edit_to_a_live_story(client, desk, live):
    response = press(desk, live, "publish", standfirst="A standfirst typed, then published.")

    assert response.status_code == 302
    page = client.get(live.get_absolute_url()).content.decode()
    assert "A standfirst typed, then published." in page


def test_a_button_pressed_on_an_untouched_live_story_makes_no_working_copy(desk, live):
    response = press(desk, live, "unpublish")

    assert response.status_code == 302
    assert not reload(live).is_live
    assert not Explainer.objects.filter(draft_of=live).exists()


def test_nothing_to_publish_is_said_and_changes_nothing(desk, live):
    version = reload(live).version

    response = press(desk, live, "publish")

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Nothing to publish: readers already see this version." in messages
    assert reload(live).version == version


def test_a_step_with_a_bad_token_refuses_and_keeps_every_word(desk, draft):
    typed = "Newly typed words, and a bad fact: [[said:no-such-quote]]"

    response = press(desk, draft, "publish", **{"sections-0-body": typed})

    assert response.status_code == 200
    html = response.content.decode()
    assert typed.replace("’", "&#x27;") in html or typed in html
    assert "the step was not taken" in html
    assert "no quote “no-such-quote”" in html
    assert not reload(draft).is_live and reload(draft).sections.get().body == "The saved text."


def test_a_public_note_added_from_the_form_keeps_the_typed_text(client, desk, live):
    response = press(
        desk,
        live,
        "correct",
        title="A new headline typed before adding the note",
        note_kind="clarification",
        note_text="We have clarified who attended.",
    )

    assert response.status_code == 302
    note = reload(live).corrections.get()
    assert (note.kind, note.text) == ("clarification", "We have clarified who attended.")
    copy = Explainer.objects.get(draft_of=live)
    assert copy.title == "A new headline typed before adding the note"  # saved, unpublished


def test_discard_does_not_save_what_is_typed(desk, live):
    press(desk, live, "publish", title="Published change")  # a copy, now without changes
    press(desk, live, "submit", title="Waiting change")  # saved: the copy has changes
    copy = Explainer.objects.get(draft_of=live)
    assert copy.has_changes

    response = press(desk, copy, "discard", title="Typed, then discarded")

    assert response.status_code == 302
    assert reload(copy).title == "Published change" and not reload(copy).has_changes


# Preview shows the unsaved form ---------------------------------------------------------------


def preview(client, story, **typed):
    page = client.get(change_url(story))
    return client.post(preview_url(story), admin_form_data(page, **typed))


def test_preview_shows_the_unsaved_form_with_its_fact_cards_and_saves_nothing(desk, draft):
    quote = factories.QuoteFactory(text="Words from the quote card.")
    version = reload(draft).version

    response = preview(
        desk,
        draft,
        title="A headline not yet saved",
        **{"sections-0-body": f"Unsaved words.\n\n[[quote:{quote.slug}]]"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A headline not yet saved" in html and "Unsaved words." in html
    assert "Words from the quote card." in html
    assert "it shows the form as it is now, unsaved" in html
    assert "Not saved yet" not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert reload(draft).title == "Draft headline" and reload(draft).version == version
    assert reload(draft).sections.get().body == "The saved text."


def test_preview_of_a_live_storys_unsaved_edit_needs_no_working_copy(desk, live):
    html = preview(desk, live, title="A live story's new headline").content.decode()

    assert "A live story's new headline" in html.replace("&#x27;", "'")
    assert "Not saved yet" not in html
    assert not Explainer.objects.filter(draft_of=live).exists()


def test_preview_shows_a_bad_token_in_its_section(desk, draft):
    response = preview(desk, draft, **{"sections-0-body": "Words [[statistic:nope]] here"})

    html = response.content.decode()
    assert response.status_code == 200
    section = html.split('id="what-happened-title"', 1)[1]
    assert "This section cannot be shown yet" in section
    error = '<mark class="token-error" role="note">[[statistic:nope]] is a card: put it on a line'
    assert f"Words {error}" in section and "here" in section  # where it stands, text around it


def test_preview_lists_a_refused_field_above_the_story(desk, draft):
    html = preview(desk, draft, title="").content.decode()

    assert "Not saved yet: correct these first." in html
    assert "Headline: This field is required." in html
    assert "Draft headline" in html  # the stored headline stands in


def test_a_get_of_the_preview_url_shows_the_saved_version(desk, draft):
    response = desk.get(preview_url(draft))

    assert response.status_code == 302
    assert response.url == reverse("explainers:preview", args=[draft.pk])


def test_a_writer_without_access_gets_no_preview(client_for, draft):
    outsider = factories.UserFactory(is_staff=True)

    response = client_for(outsider).post(preview_url(draft), {})

    assert response.status_code == 403


def story_with(sections: int):
    story = factories.ExplainerFactory(title=f"{sections} sections", slug=f"s{sections}")
    quote, statistic = factories.QuoteFactory(), factories.StatisticFactory()
    claim = factories.ClaimFactory()
    for n in range(sections):
        add_section(
            story,
            heading=f"Question {n}?",
            body=f"[[quote:{quote.slug}]]\n\n[[statistic:{statistic.slug}]]\n\n"
            f"[[claim:{claim.slug}]]\n\nSaid [[said:{quote.slug}]], [[value:{statistic.slug}]].",
        )
    return story


def test_the_preview_costs_the_same_queries_for_a_short_and_a_long_story(
    desk, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 12):
        story = story_with(size)
        page = desk.get(change_url(story))
        data = admin_form_data(page, title=f"Changed {size}")
        with CaptureQueriesContext(connection) as queries:
            response = desk.post(preview_url(story), data)
        assert response.status_code == 200 and f"Changed {size}" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
