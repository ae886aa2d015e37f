"""The editorial workflow through the admin: submit, publish, schedule, unpublish, archive,
editing a live story through its working copy, and public notes (corrections).

Every state change is a real POST to the admin endpoint an editor's button sends.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from explainers.models import Correction, Explainer
from newsroom.models import AuditEntry
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db


def workflow_url(explainer, verb):
    return reverse("admin:explainers_explainer_workflow", args=[explainer.pk, verb])


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def changelist_url():
    return reverse("admin:explainers_explainer_changelist")


def reload(explainer):
    return Explainer.objects.get(pk=explainer.pk)


def went_live_entries(explainer):
    return AuditEntry.objects.filter(
        action=AuditEntry.Action.WENT_LIVE, object_id=str(explainer.pk)
    )


@pytest.fixture
def desk(client_for, role_editor):
    """The Editor-role member's browser."""
    return client_for(role_editor)


@pytest.fixture
def draft(statistic):
    explainer = factories.ExplainerFactory(title="Why do boats still cross?", slug="boats")
    add_section(explainer, body=f"Crossings reached [[value:{statistic.slug}]] this year.")
    return explainer


@pytest.fixture
def live(statistic):
    explainer = factories.ExplainerFactory(
        published=True, title="The live headline", slug="live-story"
    )
    add_section(explainer, heading="What happened?", body="The live body text.")
    return explainer


# Draft → review → published ------------------------------------------------------------------


def test_submitting_a_draft_puts_it_in_review(client_for, writer, draft):
    response = client_for(writer).post(workflow_url(draft, "submit"))

    assert response.status_code == 302
    assert reload(draft).status == Explainer.Status.IN_REVIEW


def test_a_story_in_review_is_not_visible_to_readers(client, client_for, writer, draft):
    client_for(writer).post(workflow_url(draft, "submit"))

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_publishing_a_story_in_review_makes_it_visible_at_once(client, desk, draft):
    draft.status = Explainer.Status.IN_REVIEW
    draft.save()

    response = desk.post(workflow_url(draft, "publish"))

    assert response.status_code == 302
    story = reload(draft)
    assert story.status == Explainer.Status.PUBLISHED
    assert story.published_at <= timezone.now()
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200
    assert "Why do boats still cross?" in page.content.decode()


def test_the_full_path_draft_submit_publish_through_the_admin(
    client, client_for, writer, desk, draft
):
    client_for(writer).post(workflow_url(draft, "submit"))
    desk.post(workflow_url(draft, "publish"))

    assert reload(draft).is_live
    assert client.get(draft.get_absolute_url()).status_code == 200


# Scheduling ------------------------------------------------------------------------------------


def schedule(desk, explainer, when):
    local = timezone.localtime(when)
    return desk.post(workflow_url(explainer, "schedule"), {"publish_at": f"{local:%Y-%m-%dT%H:%M}"})


def test_a_scheduled_story_is_not_visible_before_its_time(client, desk, draft):
    response = schedule(desk, draft, timezone.now() + datetime.timedelta(days=2))

    assert response.status_code == 302
    story = reload(draft)
    assert story.status == Explainer.Status.PUBLISHED
    assert story.published_at > timezone.now()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_scheduled_story_becomes_visible_when_its_time_passes_without_any_job(
    client, desk, draft
):
    schedule(desk, draft, timezone.now() + datetime.timedelta(days=2))

    Explainer.objects.filter(pk=draft.pk).update(
        published_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert client.get(draft.get_absolute_url()).status_code == 200


def test_scheduling_in_the_past_is_refused_and_publishes_nothing(client, desk, draft):
    schedule(desk, draft, timezone.now() - datetime.timedelta(days=1))

    assert reload(draft).status == Explainer.Status.DRAFT
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_record_due_publications_notes_a_scheduled_story_going_live_once(desk, draft):
    schedule(desk, draft, timezone.now() + datetime.timedelta(days=2))
    Explainer.objects.filter(pk=draft.pk).update(
        published_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    call_command("record_due_publications", stdout=io.StringIO())
    call_command("record_due_publications", stdout=io.StringIO())

    assert went_live_entries(draft).count() == 1
    assert went_live_entries(draft).get().actor is None


def test_record_due_publications_ignores_a_story_still_waiting(desk, draft):
    schedule(desk, draft, timezone.now() + datetime.timedelta(days=2))
    assert reload(draft).is_scheduled  # the schedule ran, so there is something to ignore

    call_command("record_due_publications", stdout=io.StringIO())

    assert not went_live_entries(draft).exists()


def test_record_due_publications_ignores_a_story_published_at_once(desk, draft):
    desk.post(workflow_url(draft, "publish"))
    assert reload(draft).is_live  # the publish ran, so there is something to ignore
    out = io.StringIO()

    call_command("record_due_publications", stdout=out)

    assert "0 scheduled explainer(s) recorded as live." in out.getvalue()

    assert not went_live_entries(draft).exists()


def test_publishing_a_scheduled_story_now_makes_it_visible_now(client, desk, draft):
    schedule(desk, draft, timezone.now() + datetime.timedelta(days=2))
    page = desk.get(change_url(draft))
    assert (
        'name="_workflow" value="publish_now" class="button">Publish now<' in page.content.decode()
    )

    desk.post(change_url(draft), admin_form_data(page, _workflow="publish_now"))  # the button

    assert reload(draft).published_at <= timezone.now()
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_record_due_publications_ignores_a_cancelled_schedule_published_at_once(desk, draft):
    schedule(desk, draft, timezone.now() + datetime.timedelta(days=2))
    desk.post(workflow_url(draft, "unpublish"))
    desk.post(workflow_url(draft, "publish"))
    assert reload(draft).is_live

    call_command("record_due_publications", stdout=io.StringIO())

    assert not went_live_entries(draft).exists()


def test_a_scheduled_story_is_edited_in_place(desk, draft):
    schedule(desk, draft, timezone.now() + datetime.timedelta(days=2))

    response = desk.get(change_url(draft))

    assert response.status_code == 200
    assert not Explainer.objects.filter(draft_of=draft).exists()


def test_an_unpublished_story_is_edited_in_place(desk, live):
    desk.post(workflow_url(live, "unpublish"))

    response = desk.get(change_url(live))

    assert response.status_code == 200
    assert not Explainer.objects.filter(draft_of=live).exists()


# Taking a story down -----------------------------------------------------------------------------


def test_unpublishing_hides_a_live_story(client, desk, live):
    response = desk.post(workflow_url(live, "unpublish"))

    assert response.status_code == 302
    assert reload(live).status == Explainer.Status.DRAFT
    assert client.get(live.get_absolute_url()).status_code == 404


def test_archiving_hides_a_live_story(client, desk, live):
    response = desk.post(workflow_url(live, "archive"))

    assert response.status_code == 302
    assert reload(live).status == Explainer.Status.ARCHIVED
    assert client.get(live.get_absolute_url()).status_code == 404


def test_workflow_endpoints_accept_only_post(desk, live):
    assert desk.get(workflow_url(live, "unpublish")).status_code == 405
    assert reload(live).is_live


# The change list says where each story stands --------------------------------------------------


def status_cell(response, explainer):
    row = next(obj for obj in response.context["cl"].result_list if obj.pk == explainer.pk)
    return str(response.context["cl"].model_admin.status_column(row))


def test_changelist_says_when_a_story_is_scheduled_for(desk, draft):
    when = timezone.now() + datetime.timedelta(days=2)
    schedule(desk, draft, when)
    published_at = reload(draft).published_at

    response = desk.get(changelist_url())

    expected = f"Scheduled for {timezone.localtime(published_at):%-d %b %Y, %H:%M}"
    assert expected in status_cell(response, draft)
    assert expected in response.content.decode()


def test_changelist_says_published_for_a_live_story(desk, live):
    response = desk.get(changelist_url())

    assert "Published" in status_cell(response, live)
    assert "unpublished changes" not in status_cell(response, live)


def test_changelist_flags_a_live_story_with_saved_unpublished_changes_once(desk, live):
    edit_working_copy(desk, live, title="A changed headline")

    response = desk.get(changelist_url())

    assert "Published · unpublished changes (draft)" in status_cell(response, live)
    assert [obj.pk for obj in response.context["cl"].result_list] == [live.pk]


def test_changelist_does_not_flag_a_story_opened_but_never_saved(desk, live):
    assert desk.get(change_url(live)).status_code == 200

    response = desk.get(changelist_url())

    assert "unpublished changes" not in status_cell(response, live)


def test_changelist_does_not_flag_a_working_copy_whose_changes_were_published(desk, live):
    copy = edit_working_copy(desk, live, title="A changed headline")
    desk.post(workflow_url(copy, "publish"))
    assert Explainer.objects.filter(draft_of=live).exists()  # kept, with nothing left to publish

    response = desk.get(changelist_url())

    assert "unpublished changes" not in status_cell(response, live)


# Editing a published story goes through a working copy -----------------------------------------


def test_opening_a_published_story_writes_nothing_and_shows_its_text(desk, live):
    response = desk.get(change_url(live))

    assert response.status_code == 200
    assert not Explainer.objects.filter(draft_of=live).exists()
    content = response.content.decode()
    assert "The live body text." in content
    assert "What you save here waits" in content


def test_the_first_save_makes_the_working_copy_and_later_opens_go_to_it(client, desk, live):
    form = desk.get(change_url(live))

    response = desk.post(change_url(live), admin_form_data(form, title="A changed headline"))

    copy = Explainer.objects.get(draft_of=live)
    assert response.status_code == 302
    assert (copy.title, copy.has_changes) == ("A changed headline", True)
    assert list(copy.sections.values_list("body", flat=True)) == ["The live body text."]
    assert reload(live).title == "The live headline"
    assert desk.get(change_url(live))["Location"] == change_url(copy)


def edit_working_copy(desk, story, **overrides):
    """Open the story as an editor would (its working copy, if it has one) and save it."""
    form = desk.get(change_url(story), follow=True)
    url = form.redirect_chain[-1][0] if form.redirect_chain else change_url(story)
    response = desk.post(url, admin_form_data(form, **overrides))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Explainer.objects.get(draft_of=story)


def test_saving_the_working_copy_changes_nothing_readers_see(client, desk, live):
    edit_working_copy(
        desk, live, title="A brand new headline", **{"sections-0-body": "Rewritten body text."}
    )

    page = client.get(live.get_absolute_url()).content.decode()
    assert "The live headline" in page
    assert "The live body text." in page
    assert "A brand new headline" not in page
    assert "Rewritten body text." not in page
    assert reload(live).title == "The live headline"


def test_publishing_the_working_copy_shows_the_changes_and_keeps_the_copy(client, desk, live):
    copy = edit_working_copy(
        desk, live, title="A brand new headline", **{"sections-0-body": "Rewritten body text."}
    )

    response = desk.post(workflow_url(copy, "publish"))

    assert response.status_code == 302
    assert response["Location"] == change_url(copy)  # the editor's page still exists
    assert reload(copy).has_changes is False
    assert reload(copy).title == reload(live).title == "A brand new headline"
    page = client.get(live.get_absolute_url()).content.decode()
    assert "A brand new headline" in page
    assert "Rewritten body text." in page
    assert "The live body text." not in page


def test_publishing_changes_keeps_the_original_publication_date_and_marks_it_updated(
    client, desk, live
):
    published_at = live.published_at
    copy = edit_working_copy(desk, live, title="A brand new headline")

    desk.post(workflow_url(copy, "publish"))

    story = reload(live)
    assert story.published_at == published_at
    assert story.revised_at > published_at
    assert "updated-marker" in client.get(live.get_absolute_url()).content.decode()


def test_discarding_the_working_copy_resets_it_and_keeps_the_public_version(client, desk, live):
    copy = edit_working_copy(desk, live, title="A brand new headline")

    response = desk.post(workflow_url(copy, "discard"))

    assert response.status_code == 302
    assert response["Location"] == change_url(copy)
    assert (reload(copy).title, reload(copy).has_changes) == ("The live headline", False)
    assert reload(live).title == "The live headline"
    assert "The live headline" in client.get(live.get_absolute_url()).content.decode()


def test_a_fact_checker_cannot_discard_an_editors_unpublished_changes(
    client_for, desk, fact_checker, live
):
    copy = edit_working_copy(desk, live, title="A brand new headline")

    response = client_for(fact_checker).post(workflow_url(copy, "discard"))

    assert response.status_code == 403
    assert reload(copy).title == "A brand new headline"
    assert Explainer.objects.get(draft_of=live) == copy


def test_a_fact_placed_only_in_the_working_copy_is_not_public_until_published(
    client, desk, live, quote
):
    copy = edit_working_copy(desk, live, **{"sections-0-body": f"[[quote:{quote.slug}]]"})
    assert copy.sections.get().blocks.get().quote == quote

    assert client.get(quote.get_absolute_url()).status_code == 404

    desk.post(workflow_url(copy, "publish"))

    assert client.get(quote.get_absolute_url()).status_code == 200


def test_a_working_copy_is_never_shown_to_readers_even_with_the_published_status(
    client, desk, live
):
    copy = edit_working_copy(desk, live, title="Working copy headline")
    Explainer.objects.filter(pk=copy.pk).update(status=Explainer.Status.PUBLISHED)

    assert "Working copy headline" not in client.get(reverse("home")).content.decode()
    assert "Working copy headline" not in client.get(live.get_absolute_url()).content.decode()


# Public notes ----------------------------------------------------------------------------------


CORRECTION = "An earlier version gave the wrong year for the agreement."


def test_an_editor_adds_a_correction_readers_see_at_the_foot(client, desk, live):
    response = desk.post(workflow_url(live, "correct"), {"kind": "correction", "text": CORRECTION})

    assert response.status_code == 302
    note = Correction.objects.get(explainer=live)
    assert (note.kind, note.text, note.automatic) == ("correction", CORRECTION, False)
    page = client.get(live.get_absolute_url()).content.decode()
    assert page.index(CORRECTION) > page.index("The live body text.")
    assert page.index(CORRECTION) > page.index('id="notes"')


def test_a_correction_puts_an_updated_marker_at_the_top(client, desk, live):
    before = client.get(live.get_absolute_url()).content.decode()
    assert "updated-marker" not in before

    desk.post(workflow_url(live, "correct"), {"kind": "correction", "text": CORRECTION})

    page = client.get(live.get_absolute_url()).content.decode()
    assert 'class="updated-marker" href="#notes">Updated' in page
    assert page.index("updated-marker") < page.index("The live body text.")


def test_a_writer_may_not_add_a_correction(client, client_for, writer, live):
    response = client_for(writer).post(
        workflow_url(live, "correct"), {"kind": "correction", "text": CORRECTION}
    )

    assert response.status_code == 403
    assert not Correction.objects.filter(explainer=live).exists()
    assert CORRECTION not in client.get(live.get_absolute_url()).content.decode()


def test_an_empty_correction_is_refused(desk, live):
    desk.post(workflow_url(live, "correct"), {"kind": "correction", "text": "   "})

    assert not Correction.objects.filter(explainer=live).exists()


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("2026-13-45T99:99", "is not a real date and time"),
        ("9999-12-31T09:00", "within the next ten years"),
        ("0001-01-01T00:00", "must be in the future"),
        ("tomorrow", "Give the publication time"),
        ("", "Give the publication time"),
    ],
)
def test_a_scheduling_time_that_cannot_be_is_refused_with_a_message(desk, draft, typed, says):
    response = desk.post(workflow_url(draft, "schedule"), {"publish_at": typed}, follow=True)

    assert response.status_code == 200
    assert any(says in str(message) for message in response.context["messages"])
    assert reload(draft).status == Explainer.Status.DRAFT


def test_the_changelist_year_drill_down_works_with_the_furthest_schedule_allowed(desk, draft):
    far = timezone.localtime(timezone.now() + datetime.timedelta(days=3650)).replace(microsecond=0)
    desk.post(workflow_url(draft, "schedule"), {"publish_at": f"{far:%Y-%m-%dT%H:%M}"})
    assert reload(draft).is_scheduled

    response = desk.get(changelist_url(), {"published_at__year": str(far.year)})

    assert response.status_code == 200
    assert desk.get(changelist_url()).status_code == 200
