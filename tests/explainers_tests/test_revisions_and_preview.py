"""Revisions (who changed what, side-by-side diffs, restoring without destroying) and previews
(staff preview and signed, expiring links that search engines never index)."""

import re
import time

import pytest
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Quote
from explainers import publishing
from explainers.models import Explainer, Revision
from explainers.views import PREVIEW_SALT, preview_token
from tests import factories
from tests.explainers_tests.test_admin import explainer_data
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def revisions_url(explainer):
    return reverse("admin:explainers_explainer_revisions", args=[explainer.pk])


def restore_url(explainer, number):
    return reverse("admin:explainers_explainer_restore", args=[explainer.pk, number])


def workflow_url(explainer, verb):
    return reverse("admin:explainers_explainer_workflow", args=[explainer.pk, verb])


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


def create_through_admin(desk, body="The first wording of the story."):
    response = desk.post(
        reverse("admin:explainers_explainer_add"),
        explainer_data(sections=[{"order": 1, "heading": "What happened?", "body": body}]),
    )
    assert response.status_code == 302
    return Explainer.objects.get(slug="small-boats")


def edit_through_admin(desk, explainer, **overrides):
    """Open the change form (following a redirect to a working copy) and save it."""
    form = desk.get(change_url(explainer), follow=True)
    url = form.redirect_chain[-1][0] if form.redirect_chain else change_url(explainer)
    response = desk.post(url, admin_form_data(form, **overrides))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def numbers(explainer):
    return list(
        Revision.objects.filter(explainer=explainer)
        .order_by("number")
        .values_list("number", flat=True)
    )


# Revisions ------------------------------------------------------------------------------------


def test_adding_a_story_in_the_admin_records_revision_one_as_created_by_the_editor(
    desk, role_editor
):
    explainer = create_through_admin(desk)

    revision = Revision.objects.get(explainer=explainer)
    assert (revision.number, revision.action, revision.created_by) == (1, "created", role_editor)
    assert revision.created_at is not None
    assert revision.content["sections"] == [
        {"heading": "What happened?", "body": "The first wording of the story."}
    ]


def test_each_save_in_the_admin_records_a_new_edited_revision(desk, role_editor):
    explainer = create_through_admin(desk)

    edit_through_admin(desk, explainer, **{"sections-0-body": "The second wording."})
    edit_through_admin(desk, explainer, **{"sections-0-body": "The third wording."})

    revisions = Revision.objects.filter(explainer=explainer).order_by("number")
    assert [(r.number, r.action, r.created_by) for r in revisions] == [
        (1, "created", role_editor),
        (2, "edited", role_editor),
        (3, "edited", role_editor),
    ]
    assert revisions[2].content["sections"][0]["body"] == "The third wording."


def test_saving_a_published_storys_working_copy_records_the_revision_on_the_story(desk):
    story = factories.ExplainerFactory(published=True)
    add_section(story, body="Live words.")

    edit_through_admin(desk, story, **{"sections-0-body": "Changed words."})

    revision = Revision.objects.get(explainer=story)
    assert revision.action == "edited"
    assert revision.content["sections"][0]["body"] == "Changed words."
    assert not Revision.objects.filter(explainer__draft_of=story).exists()


def test_revisions_page_lists_who_did_what(desk, role_editor):
    explainer = create_through_admin(desk)

    response = desk.get(revisions_url(explainer))

    assert response.status_code == 200
    content = response.content.decode()
    assert "#1" in content
    assert "Created" in content
    assert role_editor.username in content


def test_revisions_page_shows_a_side_by_side_diff_of_two_revisions(desk):
    explainer = create_through_admin(desk, body="Crossings fell sharply in spring.")
    edit_through_admin(desk, explainer, **{"sections-0-body": "Zebras outnumbered walruses."})

    response = desk.get(revisions_url(explainer), {"a": 1, "b": 2})

    assert response.status_code == 200
    rows = {row.label: row for row in response.context["diff"].rows}
    assert rows["Section 1"].changed is True
    assert rows["Headline"].changed is False
    assert "Crossings" in rows["Section 1"].old and "Zebras" in rows["Section 1"].new
    content = response.content.decode()
    assert 'class="rc-cell rc-cell--old"' in content  # the side-by-side columns
    assert "Revision 1" in content and "Revision 2" in content
    assert content.index("Crossings") < content.index("Zebras")  # old on the left


def test_comparing_revisions_of_another_story_is_not_found(desk):
    explainer = create_through_admin(desk)
    other = factories.ExplainerFactory()

    response = desk.get(revisions_url(other), {"a": 1, "b": 1})

    assert Revision.objects.filter(explainer=explainer, number=1).exists()
    assert response.status_code == 404


def test_restoring_a_draft_puts_the_old_content_back_as_a_new_revision(desk, role_editor):
    explainer = create_through_admin(desk, body="Original words.")
    edit_through_admin(
        desk, explainer, title="A later headline", **{"sections-0-body": "Later words."}
    )

    response = desk.post(restore_url(explainer, 1))

    assert response.status_code == 302
    explainer.refresh_from_db()
    assert explainer.title == "Why are small boats still crossing?"
    assert list(explainer.sections.values_list("body", flat=True)) == ["Original words."]
    newest = Revision.objects.filter(explainer=explainer).latest()
    assert (newest.number, newest.action, newest.created_by) == (3, "restored", role_editor)
    assert newest.note == "Restored from revision 1"


def test_restoring_destroys_no_revision(desk):
    explainer = create_through_admin(desk, body="Original words.")
    edit_through_admin(desk, explainer, **{"sections-0-body": "Later words."})
    before = list(
        Revision.objects.filter(explainer=explainer)
        .order_by("number")
        .values_list("number", "action", "content")
    )

    desk.post(restore_url(explainer, 1))

    after = list(
        Revision.objects.filter(explainer=explainer)
        .order_by("number")
        .values_list("number", "action", "content")
    )
    assert after[: len(before)] == before  # every earlier revision, untouched
    assert numbers(explainer) == [1, 2, 3]


def test_restoring_a_published_story_makes_unpublished_changes_readers_do_not_see(client, desk):
    story = factories.ExplainerFactory(published=True, title="Published headline")
    add_section(story, body="Old published words.")
    publishing.record_revision(story, action=Revision.Action.PUBLISHED, by=None)
    story_sections = story.sections.get()
    story_sections.body = "New published words."
    story_sections.body_html = "<p>New published words.</p>"
    story_sections.save()
    publishing.record_revision(story, action=Revision.Action.PUBLISHED, by=None)

    response = desk.post(restore_url(story, 1))

    copy = Explainer.objects.get(draft_of=story)
    assert response["Location"] == change_url(copy)
    assert list(copy.sections.values_list("body", flat=True)) == ["Old published words."]
    assert list(story.sections.values_list("body", flat=True)) == ["New published words."]
    page = client.get(story.get_absolute_url()).content.decode()
    assert "New published words." in page
    assert "Old published words." not in page
    assert numbers(story) == [1, 2, 3]


def test_a_restored_revision_goes_live_when_its_working_copy_is_published(client, desk):
    story = factories.ExplainerFactory(published=True)
    add_section(story, body="Old published words.")
    publishing.record_revision(story, action=Revision.Action.PUBLISHED, by=None)
    edit_through_admin(desk, story, **{"sections-0-body": "Newer words."})
    desk.post(workflow_url(Explainer.objects.get(draft_of=story), "publish"))
    assert "Newer words." in client.get(story.get_absolute_url()).content.decode()

    desk.post(restore_url(story, 1))
    desk.post(workflow_url(Explainer.objects.get(draft_of=story), "publish"))

    page = client.get(story.get_absolute_url()).content.decode()
    assert "Old published words." in page
    assert "Newer words." not in page


def test_restoring_a_revision_that_uses_a_deleted_fact_block_is_refused_in_words(desk, quote):
    explainer = create_through_admin(desk, body=f"[[quote:{quote.slug}]]")
    edit_through_admin(desk, explainer, **{"sections-0-body": "No quote any more."})
    Quote.objects.filter(pk=quote.pk).delete()  # no story uses it now, so it may go
    version = Explainer.objects.get(pk=explainer.pk).version

    response = desk.post(restore_url(explainer, 1), follow=True)

    assert response.redirect_chain[-1][0] == revisions_url(explainer)
    text = " ".join(messages_of(response))
    assert "Revision 1 cannot be restored as it was" in text
    assert quote.slug in text
    assert list(explainer.sections.values_list("body", flat=True)) == ["No quote any more."]
    assert numbers(explainer) == [1, 2]
    assert Explainer.objects.get(pk=explainer.pk).version == version


def test_a_refused_restore_of_a_published_story_leaves_no_working_copy(desk, quote):
    story = factories.ExplainerFactory(published=True)
    add_section(story, body=f"[[quote:{quote.slug}]]")
    publishing.record_revision(story, action=Revision.Action.PUBLISHED, by=None)
    story.sections.all().delete()
    add_section(story, body="Quote removed.")
    Quote.objects.filter(pk=quote.pk).delete()

    response = desk.post(restore_url(story, 1), follow=True)

    # The restore was tried and refused for the deleted quote, not refused for another reason.
    assert "Revision 1 cannot be restored as it was" in " ".join(messages_of(response))
    assert not Explainer.objects.filter(draft_of=story).exists()


def test_a_fact_checker_may_read_revisions_but_not_restore_them(client_for, fact_checker, desk):
    explainer = create_through_admin(desk)
    checker = client_for(fact_checker)

    assert checker.get(revisions_url(explainer)).status_code == 200
    assert checker.post(restore_url(explainer, 1)).status_code == 403
    assert numbers(explainer) == [1]


def test_restore_accepts_only_post(desk):
    explainer = create_through_admin(desk)

    assert desk.get(restore_url(explainer, 1)).status_code == 405
    assert numbers(explainer) == [1]


# Preview ---------------------------------------------------------------------------------------


@pytest.fixture
def draft(statistic):
    explainer = factories.ExplainerFactory(title="Draft headline PREVIEW-ONLY", slug="draft-story")
    add_section(
        explainer, heading="What is new?", body=f"Draft body with [[value:{statistic.slug}]]."
    )
    return explainer


def preview_url(explainer):
    return reverse("explainers:preview", args=[explainer.pk])


def shared_url(token):
    return reverse("explainers:shared_preview", args=[token])


def assert_not_indexed(response):
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert 'rel="canonical"' not in response.content.decode()


def test_staff_preview_renders_the_draft_with_the_public_template(desk, draft):
    response = desk.get(preview_url(draft))

    assert response.status_code == 200
    assert "explainers/explainer_detail.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Draft headline PREVIEW-ONLY" in content
    assert "Draft body with" in content
    assert "50,271" in content  # the fact block is rendered, as readers will see it
    assert "preview-banner" in content


def test_staff_preview_is_never_indexed(desk, draft):
    assert_not_indexed(desk.get(preview_url(draft)))


def test_staff_preview_is_never_cached(desk, draft):
    assert "no-cache" in desk.get(preview_url(draft))["Cache-Control"]


def test_staff_preview_redirects_anonymous_visitors_to_login_without_content(client, draft):
    response = client.get(preview_url(draft))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert b"PREVIEW-ONLY" not in response.content


def test_staff_preview_of_a_working_copy_shows_the_unpublished_changes(client, desk):
    story = factories.ExplainerFactory(published=True, title="Live title")
    add_section(story, body="Live words.")
    edit_through_admin(desk, story, title="Changed title")
    copy = Explainer.objects.get(draft_of=story)

    content = desk.get(preview_url(copy)).content.decode()

    assert "Changed title" in content
    assert "Live title" in client.get(story.get_absolute_url()).content.decode()


def test_a_signed_preview_link_works_without_login(client, draft):
    response = client.get(shared_url(preview_token(draft)))

    assert response.status_code == 200
    assert "Draft headline PREVIEW-ONLY" in response.content.decode()
    assert_not_indexed(response)
    assert response["Referrer-Policy"] == "no-referrer"


def tampered(token):
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def test_a_tampered_preview_link_is_not_found(client, draft):
    response = client.get(shared_url(tampered(preview_token(draft))))

    assert response.status_code == 404
    assert b"PREVIEW-ONLY" not in response.content


def test_a_link_for_another_story_cannot_be_edited_to_show_this_one(client, draft):
    """Swap the payload of a valid link for this draft's: the signature no longer matches."""
    other = factories.ExplainerFactory()
    signed_for_other = preview_token(other)
    draft_payload = signing.dumps({"pk": draft.pk}, salt="not the preview salt").split(":")[0]
    forged = draft_payload + signed_for_other[signed_for_other.index(":") :]

    response = client.get(shared_url(forged))

    assert client.get(shared_url(signed_for_other)).status_code == 200
    assert response.status_code == 404
    assert b"PREVIEW-ONLY" not in response.content


def later(monkeypatch, seconds):
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + seconds)


def test_a_preview_link_still_works_just_before_it_expires(client, draft, monkeypatch):
    token = preview_token(draft)
    later(monkeypatch, settings.NEWSROOM_PREVIEW_LINK_HOURS * 3600 - 60)

    assert client.get(shared_url(token)).status_code == 200


def test_an_expired_preview_link_is_gone_without_content(client, draft, monkeypatch):
    token = preview_token(draft)
    later(monkeypatch, settings.NEWSROOM_PREVIEW_LINK_HOURS * 3600 + 60)

    response = client.get(shared_url(token))

    assert response.status_code == 410
    assert b"PREVIEW-ONLY" not in response.content
    assert b"Draft body with" not in response.content
    assert b'<meta name="robots" content="noindex, nofollow">' in response.content


def test_the_link_lifetime_follows_the_setting(client, draft, settings, monkeypatch):
    settings.NEWSROOM_PREVIEW_LINK_HOURS = 1
    token = preview_token(draft)
    later(monkeypatch, 3600 + 60)

    assert client.get(shared_url(token)).status_code == 410


def test_preview_urls_never_appear_on_the_home_page(client, draft):
    live = factories.ExplainerFactory(published=True, title="Live story")
    add_section(live, body="Live words.")

    content = client.get(reverse("home")).content.decode()

    assert "Live story" in content
    assert "/preview/" not in content
    assert preview_token(draft) not in content
    assert preview_token(live) not in content


def test_the_change_page_offers_a_working_shared_link(client, desk, draft):
    content = desk.get(change_url(draft)).content.decode()

    # The link is signed with the time it was made: read it from the page rather than making
    # our own, which differs whenever the page and the test run in different seconds.
    prefix = shared_url("TOKEN").removesuffix("TOKEN/")
    match = re.search(re.escape(prefix) + r"([^/\"]+)/", content)
    assert match, "the change page offers no shared preview link"
    token = match.group(1)
    assert signing.loads(token, salt=PREVIEW_SALT)["pk"] == draft.pk
    response = client.get(shared_url(token))
    assert response.status_code == 200
    assert draft.title in response.content.decode()


# Query budgets ---------------------------------------------------------------------------------


def measure(client, url):
    client.get(url)  # warm the content type and permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def story_with_history(revisions, corrections, editor):
    story = factories.ExplainerFactory(published=True)
    add_section(story, body="Live words.")
    for _ in range(revisions):
        publishing.record_revision(story, action=Revision.Action.EDITED, by=editor)
    factories.CorrectionFactory.create_batch(corrections, explainer=story)
    return publishing.working_copy(story, by=editor)


# Opening the working copy of a published story (no redirect, no copy to make):
# 1 session, 1 user, 1 working copy with its story (select_related draft_of), 1 its topics,
# 1 the latest five revisions with their authors, 2 permissions (user, group), 1 revision count,
# 1 the latest five public notes, 1 sections of the inline, 2 its authors (the form's value,
# the widget's choices); nothing per revision or note.
CHANGE_PAGE_MAX = 12


def test_change_page_query_count_does_not_grow_with_revisions(
    editor_client, editor, django_assert_max_num_queries
):
    one = story_with_history(1, 1, editor)
    many = story_with_history(30, 1, editor)

    with django_assert_max_num_queries(CHANGE_PAGE_MAX):
        editor_client.get(change_url(many))
    assert measure(editor_client, change_url(many)) == measure(editor_client, change_url(one))


def test_change_page_query_count_does_not_grow_with_public_notes(
    editor_client, editor, django_assert_max_num_queries
):
    one = story_with_history(1, 1, editor)
    many = story_with_history(1, 10, editor)

    with django_assert_max_num_queries(CHANGE_PAGE_MAX):
        response = editor_client.get(change_url(many))
    assert len(response.context["workflow"]["corrections"]) == 5
    assert measure(editor_client, change_url(many)) == measure(editor_client, change_url(one))
