"""The newsroom's roles (created by a data migration) and the read-only audit trail.

Permissions are enforced on the server in every path: the admin endpoint, the change form, the
admin actions and the workflow functions themselves.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from explainers import publishing
from explainers.models import Explainer, Revision
from newsroom.models import AuditEntry
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db

ROLE_NAMES = {"Writer", "Editor", "Fact-checker", "Partner"}


def perms(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def workflow_url(explainer, verb):
    return reverse("admin:explainers_explainer_workflow", args=[explainer.pk, verb])


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def reload(explainer):
    return Explainer.objects.get(pk=explainer.pk)


@pytest.fixture
def draft():
    explainer = factories.ExplainerFactory(title="Unpublished headline", slug="draft-story")
    add_section(explainer, body="Draft words.")
    return explainer


@pytest.fixture
def live():
    explainer = factories.ExplainerFactory(published=True, title="Live headline", slug="live-story")
    add_section(explainer, body="Live words.")
    return explainer


# The groups --------------------------------------------------------------------------------------


def test_the_four_roles_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= ROLE_NAMES


def test_a_writer_may_write_and_submit_but_not_publish_or_correct():
    granted = perms("Writer")

    assert {"explainers.change_explainer", "explainers.submit_explainer"} <= granted
    assert "explainers.publish_explainer" not in granted
    assert "explainers.correct_explainer" not in granted
    assert "explainers.delete_explainer" not in granted


def test_an_editor_may_publish_and_correct():
    granted = perms("Editor")

    assert {
        "explainers.publish_explainer",
        "explainers.correct_explainer",
        "explainers.submit_explainer",
        "explainers.change_explainer",
        "newsroom.view_auditentry",
    } <= granted


def test_an_editor_does_not_verify_facts_or_rate_claims():
    granted = perms("Editor")

    assert not {p for p in granted if p.startswith("claims.verify_")}
    assert "claims.rate_claim" not in granted


def test_a_fact_checker_may_verify_every_kind_of_fact_and_rate_claims():
    granted = perms("Fact-checker")

    assert {
        "claims.verify_quote",
        "claims.verify_statistic",
        "claims.verify_claim",
        "claims.rate_claim",
        "claims.add_statisticvalue",
    } <= granted


def test_a_fact_checker_may_not_publish_or_edit_stories():
    granted = perms("Fact-checker")

    assert "explainers.publish_explainer" not in granted
    assert "explainers.change_explainer" not in granted


def test_no_role_may_delete_statistic_values_or_write_the_audit_trail():
    for role in ROLE_NAMES:
        granted = perms(role)
        assert "claims.delete_statisticvalue" not in granted, role
        audit_perms = {p for p in granted if p.endswith("_auditentry")}
        assert audit_perms <= {"newsroom.view_auditentry"}, role


def test_only_editors_issue_and_revoke_partner_keys():
    assert {"newsroom.add_partnerkey", "newsroom.change_partnerkey"} <= perms("Editor")
    for role in ("Writer", "Fact-checker", "Partner"):
        assert not {p for p in perms(role) if p.endswith("_partnerkey")}, role
    assert not any("delete_partnerkey" in p for role in ROLE_NAMES for p in perms(role))


def test_writers_and_editors_pick_authors_and_fact_checkers_keep_dated_roles(
    client_for, writer, role_editor, fact_checker
):
    """The models provenance added are in the roles: without them an Editor's byline picker
    found no authors and a Fact-checker could not record a person's role."""
    factories.AuthorFactory(name="Ann Reporter")
    search = reverse("admin:autocomplete")
    params = {
        "term": "Ann",
        "app_label": "explainers",
        "model_name": "explainer",
        "field_name": "authors",
    }
    for user in (writer, role_editor):
        response = client_for(user).get(search, params)
        assert response.status_code == 200
        assert [r["text"] for r in response.json()["results"]] == ["Ann Reporter"]
    assert role_editor.has_perms(["explainers.add_author", "explainers.change_author"])
    assert not writer.has_perm("explainers.add_author")
    assert fact_checker.has_perms(
        ["claims.add_personrole", "claims.change_personrole", "claims.delete_personrole"]
    )
    for user in (writer, role_editor, fact_checker):
        assert user.has_perm("claims.view_claimrating")


def test_a_partner_has_no_permissions():
    assert perms("Partner") == set()


def test_a_partner_cannot_enter_the_admin(client_for, partner):
    response = client_for(partner).get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_partner_cannot_open_a_story_in_the_admin(client_for, partner, draft):
    response = client_for(partner).get(change_url(draft))

    assert response.status_code == 302
    assert "Unpublished headline" not in response.content.decode()


# A writer cannot publish, whichever way they try ------------------------------------------------


def test_a_writer_posting_the_publish_endpoint_is_forbidden(client, client_for, writer, draft):
    response = client_for(writer).post(workflow_url(draft, "publish"))

    assert response.status_code == 403
    assert reload(draft).status == Explainer.Status.DRAFT
    assert reload(draft).published_at is None
    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("verb", ["schedule", "unpublish", "archive"])
def test_a_writer_cannot_schedule_unpublish_or_archive(client_for, writer, live, verb):
    response = client_for(writer).post(workflow_url(live, verb), {"publish_at": "2099-01-01T09:00"})

    assert response.status_code == 403
    assert reload(live).is_live


def test_a_writer_posting_status_published_with_the_change_form_is_ignored(
    client, client_for, writer, draft
):
    writer_client = client_for(writer)
    form = writer_client.get(change_url(draft))
    data = admin_form_data(
        form,
        status="published",
        published_at_0="2025-01-01",
        published_at_1="09:00",
        title="Edited by the writer",
    )

    response = writer_client.post(change_url(draft), data)

    assert response.status_code == 302
    story = reload(draft)
    assert story.title == "Edited by the writer"  # the save itself went through
    assert (story.status, story.published_at) == (Explainer.Status.DRAFT, None)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_publish_action_reports_an_error_to_a_writer_and_changes_nothing(
    client_for, writer, draft
):
    response = client_for(writer).post(
        reverse("admin:explainers_explainer_changelist"),
        {"action": "publish_selected", "_selected_action": [str(draft.pk)], "index": "0"},
        follow=True,
    )

    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("error", "Unpublished headline: You cannot publish explainers.") in messages
    assert not [text for level, text in messages if level == "success"]
    assert reload(draft).status == Explainer.Status.DRAFT
    assert not AuditEntry.objects.filter(action__in=["published", "scheduled"]).exists()


def test_the_publish_verb_refuses_a_writer(writer, draft):
    with pytest.raises(PermissionDenied):
        publishing.publish(draft, by=writer)

    assert reload(draft).status == Explainer.Status.DRAFT


def test_a_writer_sees_no_publish_button(client_for, writer, draft):
    content = client_for(writer).get(change_url(draft)).content.decode()

    assert 'name="_workflow" value="submit"' in content
    assert 'name="_workflow" value="publish"' not in content


def test_an_editor_can_publish_through_the_endpoint(client, client_for, role_editor, draft):
    response = client_for(role_editor).post(workflow_url(draft, "publish"))

    assert response.status_code == 302
    assert reload(draft).is_live
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_the_publish_verb_accepts_an_editor(role_editor, draft):
    story = publishing.publish(draft, by=role_editor)

    assert story.is_live


def test_the_publish_action_works_for_an_editor(client_for, role_editor, draft):
    client_for(role_editor).post(
        reverse("admin:explainers_explainer_changelist"),
        {"action": "publish_selected", "_selected_action": [str(draft.pk)], "index": "0"},
    )

    assert reload(draft).is_live


# The audit trail ---------------------------------------------------------------------------------


def entries(obj, action):
    return AuditEntry.objects.filter(
        action=action, object_id=str(obj.pk), content_type__model=obj._meta.model_name
    )


def test_publishing_is_audited_with_the_actor(client_for, role_editor, draft):
    client_for(role_editor).post(workflow_url(draft, "publish"))

    entry = entries(draft, "published").get()
    assert (entry.actor, entry.object_repr) == (role_editor, "Unpublished headline")


def test_scheduling_is_audited_as_scheduled_not_published(client_for, role_editor, draft):
    next_year = f"{timezone.localdate().year + 1}-01-01T09:00"  # within the ten years allowed
    client_for(role_editor).post(workflow_url(draft, "schedule"), {"publish_at": next_year})

    assert entries(draft, "scheduled").get().actor == role_editor
    assert not entries(draft, "published").exists()


def test_submitting_is_audited(client_for, writer, draft):
    client_for(writer).post(workflow_url(draft, "submit"))

    assert entries(draft, "submitted").get().actor == writer


def test_unpublishing_is_audited_with_the_actor(client_for, role_editor, live):
    client_for(role_editor).post(workflow_url(live, "unpublish"))

    assert entries(live, "unpublished").get().actor == role_editor


def test_archiving_is_audited_with_the_actor(client_for, role_editor, live):
    client_for(role_editor).post(workflow_url(live, "archive"))

    assert entries(live, "archived").get().actor == role_editor


def test_restoring_is_audited_with_the_actor_and_the_revision(client_for, role_editor, draft):
    publishing.record_revision(draft, action=Revision.Action.CREATED, by=None)

    client_for(role_editor).post(reverse("admin:explainers_explainer_restore", args=[draft.pk, 1]))

    entry = entries(draft, "restored").get()
    assert (entry.actor, entry.message) == (role_editor, "From revision 1")


def test_a_correction_is_audited_with_the_actor_and_its_text(client_for, role_editor, live):
    client_for(role_editor).post(
        workflow_url(live, "correct"), {"kind": "correction", "text": "The year was 2024."}
    )

    entry = entries(live, "corrected").get()
    assert (entry.actor, entry.message) == (role_editor, "The year was 2024.")


def test_saving_in_the_admin_is_audited_on_the_story(client_for, role_editor, live):
    desk = client_for(role_editor)
    form = desk.get(change_url(live), follow=True)

    desk.post(change_url(live), admin_form_data(form, title="Changed"))  # into its working copy
    assert Explainer.objects.get(draft_of=live).title == "Changed"

    entry = entries(live, "edited").get()
    assert (entry.actor, entry.message) == (role_editor, "Unpublished changes saved")


def test_a_new_statistic_value_is_audited_on_the_statistic(client_for, fact_checker, statistic):
    checker = client_for(fact_checker)
    form = checker.get(reverse("admin:claims_statistic_change", args=[statistic.pk]))

    checker.post(
        reverse("admin:claims_statistic_change", args=[statistic.pk]),
        admin_form_data(form, **{"values-1-value": "51113", "values-1-as_of": "2025-09-30"}),
    )

    entry = entries(statistic, "value_added").get()
    assert entry.actor == fact_checker
    assert "51,113" in entry.message


def test_marking_as_checked_is_audited(client_for, fact_checker, quote):
    client_for(fact_checker).post(
        reverse("admin:claims_quote_changelist"),
        {"action": "mark_checked", "_selected_action": [str(quote.pk)], "index": "0"},
    )

    assert entries(quote, "checked").get().actor == fact_checker


def test_the_system_is_the_actor_of_what_no_one_did_by_hand(draft):
    publishing.publish(draft, by=None)

    assert entries(draft, "published").get().actor is None
    assert entries(draft, "published").get().actor_name == "the system"


# The audit trail in the admin is read-only -------------------------------------------------------


@pytest.fixture
def trail(client_for, role_editor, draft):
    desk = client_for(role_editor)
    desk.post(workflow_url(draft, "publish"))
    return desk, entries(draft, "published").get()


def test_the_audit_changelist_lists_entries_without_an_add_button(trail):
    desk, entry = trail

    response = desk.get(reverse("admin:newsroom_auditentry_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [entry]
    assert not response.context["has_add_permission"]
    assert reverse("admin:newsroom_auditentry_add") not in response.content.decode()


def test_the_audit_trail_cannot_be_added_to_by_hand(trail):
    desk, _ = trail

    assert desk.get(reverse("admin:newsroom_auditentry_add")).status_code == 403


def test_an_audit_entry_is_shown_read_only(trail):
    desk, entry = trail

    response = desk.get(reverse("admin:newsroom_auditentry_change", args=[entry.pk]))

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert 'name="_save"' not in response.content.decode()


def test_posting_to_an_audit_entry_changes_nothing(trail):
    desk, entry = trail

    response = desk.post(
        reverse("admin:newsroom_auditentry_change", args=[entry.pk]),
        {"action": "archived", "message": "rewritten history", "_save": "Save"},
    )

    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.action, entry.message) == ("published", "")


def test_an_audit_entry_cannot_be_deleted_even_by_a_superuser(client_for, trail):
    _, entry = trail
    boss = factories.UserFactory(username="boss", is_staff=True, is_superuser=True)

    response = client_for(boss).post(
        reverse("admin:newsroom_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_writer_cannot_read_the_audit_trail(client_for, writer):
    assert (
        client_for(writer).get(reverse("admin:newsroom_auditentry_changelist")).status_code == 403
    )
