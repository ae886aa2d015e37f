"""A published story's working copy survives its workflow: opening writes nothing, the copy
keeps its identity across publishes and discards, a form opened before either is refused with
its text kept, and a scheduled story is edited only through a copy an Editor must approve."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from explainers import publishing
from explainers.models import Explainer
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db

TYPED = "Words typed in a second tab that must never be lost."


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def workflow_url(explainer, verb):
    return reverse("admin:explainers_explainer_workflow", args=[explainer.pk, verb])


def form_errors(response):
    return [str(error) for error in response.context["adminform"].form.non_field_errors()]


def reload(explainer):
    return Explainer.objects.get(pk=explainer.pk)


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


@pytest.fixture
def night(client_for, second_editor):
    return client_for(second_editor)


@pytest.fixture
def live():
    story = factories.ExplainerFactory(published=True, title="Live headline", slug="live")
    add_section(story, heading="What happened?", body="The published text.")
    return story


def open_copy(client, story, **changes):
    """Open the story, save ``changes`` (making its working copy), and return the copy."""
    form = client.get(change_url(story), follow=True)
    url = form.redirect_chain[-1][0] if form.redirect_chain else change_url(story)
    response = client.post(url, admin_form_data(form, **changes))
    assert response.status_code == 302, form_errors(response)
    return Explainer.objects.get(draft_of=story)


@pytest.mark.parametrize("verb", ["publish", "discard"])
def test_a_tab_opened_before_a_publish_or_discard_keeps_its_text_and_says_who(
    desk, night, live, verb
):
    copy = open_copy(desk, live, title="Edna's headline")
    second_tab = night.get(change_url(copy))

    desk.post(workflow_url(copy, verb), {"base_version": str(reload(copy).version)})
    response = night.post(
        change_url(copy), admin_form_data(second_tab, **{"sections-0-body": TYPED})
    )

    assert response.status_code == 200  # the same page, refused: not "doesn't exist"
    did = "published" if verb == "publish" else "discarded the unpublished changes to"
    assert form_errors(response)[0].startswith(f"Edna Editor {did} this explainer")
    assert TYPED in response.content.decode()
    assert reload(copy).pk == copy.pk  # the copy is still there, its identity kept


@pytest.mark.parametrize("verb", ["publish", "discard"])
def test_the_same_editors_second_tab_is_refused_after_a_publish_or_discard(desk, live, verb):
    copy = open_copy(desk, live, title="First tab's headline")
    second_tab = desk.get(change_url(copy))

    desk.post(workflow_url(copy, verb))
    response = desk.post(change_url(copy), admin_form_data(second_tab, title=TYPED[:100]))

    assert response.status_code == 200
    assert TYPED[:100] in response.content.decode()
    assert reload(copy).title != TYPED[:100]


def test_a_workflow_button_from_a_stale_page_is_refused(desk, night, live):
    copy = open_copy(desk, live, title="Edna's headline")
    stale_version = reload(copy).version
    open_copy(night, live, title="Nigel's later headline")

    response = desk.post(
        workflow_url(copy, "publish"), {"base_version": str(stale_version)}, follow=True
    )

    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Nigel Nightdesk saved this explainer") for m in messages)
    assert reload(live).title == "Live headline"  # what Edna never saw was not published


def test_opening_a_live_story_many_times_makes_no_copy(desk, night, live):
    for client in (desk, night, desk):
        assert client.get(change_url(live)).status_code == 200

    assert not Explainer.objects.filter(draft_of=live).exists()


def test_publishing_after_unpublishing_does_not_resurrect_old_changes(desk, live):
    copy = open_copy(desk, live, title="Changes made while live")
    desk.post(workflow_url(live, "unpublish"))
    assert reload(live).title == "Changes made while live"  # the latest text is kept
    assert desk.get(change_url(copy))["Location"] == change_url(live)  # edited directly now

    desk.post(change_url(live), admin_form_data(desk.get(change_url(live)), title="Draft title"))
    desk.post(workflow_url(live, "publish"))

    assert reload(live).title == "Draft title"
    assert (reload(copy).title, reload(copy).has_changes) == ("Draft title", False)


# Scheduled means approved -----------------------------------------------------------------------


@pytest.fixture
def scheduled(desk):
    story = factories.ExplainerFactory(title="Approved headline", slug="embargoed")
    add_section(story, heading="What happens?", body="The approved text.")
    at = timezone.localtime(timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    response = desk.post(workflow_url(story, "schedule"), {"publish_at": f"{at:%Y-%m-%dT%H:%M}"})
    assert response.status_code == 302 and reload(story).is_scheduled
    return reload(story)


def test_a_writer_cannot_change_a_story_an_editor_scheduled(client, client_for, writer, scheduled):
    copy = open_copy(client_for(writer), scheduled, title="A writer's late change")

    assert reload(scheduled).title == "Approved headline"
    assert copy.title == "A writer's late change" and copy.has_changes
    # At its time, readers get the approved version, unchanged.
    Explainer.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page = client.get(scheduled.get_absolute_url()).content.decode()
    assert "Approved headline" in page and "A writer's late change" not in page


def test_an_editor_approves_changes_to_a_scheduled_story_keeping_its_time(
    client_for, writer, desk, scheduled
):
    copy = open_copy(client_for(writer), scheduled, title="A writer's late change")
    time = scheduled.published_at
    assert client_for(writer).post(workflow_url(copy, "publish")).status_code == 403

    desk.post(workflow_url(copy, "publish"))

    story = reload(scheduled)
    assert (story.title, story.published_at, story.is_scheduled) == (
        "A writer's late change",
        time,
        True,
    )


def test_publish_now_takes_a_scheduled_storys_approved_changes_live(client, desk, scheduled):
    copy = open_copy(desk, scheduled, title="Changed and out now")

    desk.post(workflow_url(copy, "publish_now"))

    assert reload(scheduled).is_live
    assert "Changed and out now" in client.get(scheduled.get_absolute_url()).content.decode()


def test_a_refused_save_names_who_saved_in_between_not_the_refused_writer(
    client_for, writer, desk, live
):
    writers_form = client_for(writer).get(change_url(live))
    open_copy(desk, live, title="Edna's headline")

    response = client_for(writer).post(
        change_url(live), admin_form_data(writers_form, title="Wendy's headline")
    )

    assert form_errors(response)[0].startswith("Edna Editor saved this explainer")
    assert "Wendy" not in form_errors(response)[0]


def test_working_copies_go_with_their_story_when_it_is_deleted(client_for, live, desk):
    open_copy(desk, live, title="Unpublished changes")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)

    response = client_for(admin).post(
        reverse("admin:explainers_explainer_delete", args=[live.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Explainer.objects.filter(slug="live").exists()


def test_the_verb_makes_one_copy_whoever_asks_twice(editor, live):
    first = publishing.working_copy(live, by=editor)
    second = publishing.working_copy(live, by=editor)

    assert first == second
    assert Explainer.objects.filter(draft_of=live).count() == 1


def test_after_publishing_the_page_says_there_is_nothing_unpublished_and_old_links_work(desk, live):
    copy = open_copy(desk, live, title="Edna's headline")
    page = desk.get(change_url(copy)).content.decode()
    assert "You are editing <strong>unpublished changes</strong>" in page

    response = desk.post(
        change_url(copy), admin_form_data(desk.get(change_url(copy)), _workflow="publish")
    )
    assert response.status_code == 302

    # The link the editor was on, "Recent actions" and the back button all still lead here.
    after = desk.get(change_url(copy), follow=True)
    assert after.status_code == 200
    text = after.content.decode()
    assert "<strong>No unpublished changes</strong>" in text
    assert "You are editing <strong>unpublished changes</strong>" not in text
    # Nothing to publish or discard: "Publish these changes" waits, hidden, for something typed.
    assert re.search(r'<button [^>]*value="publish"[^>]* hidden data-when-typed>', text)
    assert 'value="discard"' not in text
    assert "doesn" not in text  # not "… doesn't exist. Perhaps it was deleted?"
    assert desk.get(reverse("admin:index")).status_code == 200
    assert reload(live).title == "Edna's headline"
