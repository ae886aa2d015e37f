"""No lost updates: two people open the same form; the second save from a stale form is refused,
names who saved in between and when, and keeps everything the second person typed."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from claims.models import Quote
from explainers.models import Explainer, Revision
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db

SECOND_TEXT = "Text the second editor typed and must not lose."


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def quote_change_url(quote):
    return reverse("admin:claims_quote_change", args=[quote.pk])


def form_errors(response):
    return [str(error) for error in response.context["adminform"].form.non_field_errors()]


def when(moment):
    return f"{timezone.localtime(moment):%H:%M on %-d %B %Y}"


@pytest.fixture
def story():
    explainer = factories.ExplainerFactory(title="Shared headline", slug="shared")
    add_section(explainer, heading="What happened?", body="The text both editors opened.")
    return explainer


@pytest.fixture
def first(client_for, role_editor):
    return client_for(role_editor)


@pytest.fixture
def second(client_for, second_editor):
    return client_for(second_editor)


def open_form(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    return response


# Explainers ------------------------------------------------------------------------------------


def test_a_stale_explainer_save_is_refused_naming_who_saved_and_when(first, second, story):
    form_one, form_two = open_form(first, change_url(story)), open_form(second, change_url(story))
    saved = first.post(
        change_url(story), admin_form_data(form_one, title="First editor's headline")
    )
    assert saved.status_code == 302
    revision = Revision.objects.filter(explainer=story).latest()

    response = second.post(
        change_url(story), admin_form_data(form_two, **{"sections-0-body": SECOND_TEXT})
    )

    assert response.status_code == 200
    [message] = form_errors(response)
    assert message.startswith(f"Edna Editor saved this explainer at {when(revision.created_at)}")
    assert "your changes were not saved" in message


def test_a_stale_explainer_save_keeps_what_the_second_editor_typed(first, second, story):
    form_one, form_two = open_form(first, change_url(story)), open_form(second, change_url(story))
    first.post(change_url(story), admin_form_data(form_one, title="First editor's headline"))

    response = second.post(
        change_url(story), admin_form_data(form_two, **{"sections-0-body": SECOND_TEXT})
    )

    assert SECOND_TEXT in response.content.decode()


def test_a_stale_explainer_save_leaves_the_first_save_intact(first, second, story):
    form_one, form_two = open_form(first, change_url(story)), open_form(second, change_url(story))
    first.post(
        change_url(story),
        admin_form_data(
            form_one, title="First editor's headline", **{"sections-0-body": "First body."}
        ),
    )
    revisions = Revision.objects.filter(explainer=story).count()

    second.post(
        change_url(story),
        admin_form_data(form_two, title="Second headline", **{"sections-0-body": SECOND_TEXT}),
    )

    story.refresh_from_db()
    assert story.title == "First editor's headline"
    assert list(story.sections.values_list("body", flat=True)) == ["First body."]
    assert Revision.objects.filter(explainer=story).count() == revisions


def test_the_same_editor_can_save_twice_from_fresh_forms(first, story):
    first.post(change_url(story), admin_form_data(open_form(first, change_url(story)), title="One"))

    response = first.post(
        change_url(story), admin_form_data(open_form(first, change_url(story)), title="Two")
    )

    assert response.status_code == 302
    assert Explainer.objects.get(pk=story.pk).title == "Two"


def test_a_status_change_in_between_costs_nobody_their_edit(first, second, story):
    form = open_form(second, change_url(story))
    first.post(reverse("admin:explainers_explainer_workflow", args=[story.pk, "submit"]))

    response = second.post(
        change_url(story), admin_form_data(form, **{"sections-0-body": SECOND_TEXT})
    )

    assert response.status_code == 302
    assert list(story.sections.values_list("body", flat=True)) == [SECOND_TEXT]


def test_two_editors_of_a_live_story_share_one_working_copy_and_the_stale_save_is_refused(
    first, second
):
    live = factories.ExplainerFactory(published=True, title="Live headline")
    add_section(live, body="Live body.")
    form_one, form_two = open_form(first, change_url(live)), open_form(second, change_url(live))
    assert not Explainer.objects.filter(draft_of=live).exists()  # opening a story writes nothing
    first.post(change_url(live), admin_form_data(form_one, title="First editor's headline"))
    copy = Explainer.objects.get(draft_of=live)  # the first save made it

    response = second.post(
        change_url(live), admin_form_data(form_two, **{"sections-0-body": SECOND_TEXT})
    )

    assert response.status_code == 200
    assert form_errors(response)[0].startswith("Edna Editor saved this explainer")
    assert SECOND_TEXT in response.content.decode()
    assert Explainer.objects.get(pk=copy.pk).title == "First editor's headline"
    assert Explainer.objects.filter(draft_of=live).get() == copy  # one copy, shared
    assert Explainer.objects.get(pk=live.pk).title == "Live headline"  # readers' version


def test_a_save_from_a_form_opened_before_a_colleague_published_is_refused_not_dropped(
    first, second, story
):
    form = open_form(second, change_url(story))
    first.post(reverse("admin:explainers_explainer_workflow", args=[story.pk, "publish"]))

    response = second.post(
        change_url(story), admin_form_data(form, **{"sections-0-body": SECOND_TEXT})
    )

    assert response.status_code == 200
    assert form_errors(response)[0].startswith("Edna Editor")
    assert SECOND_TEXT in response.content.decode()


# Fact blocks -----------------------------------------------------------------------------------


@pytest.fixture
def other_checker(db):
    user = factories.UserFactory(
        username="checker-two", is_staff=True, first_name="Olu", last_name="Other"
    )
    user.groups.add(Group.objects.get(name="Fact-checker"))
    return user


@pytest.fixture
def quote_in_use(quote):
    add_section(factories.ExplainerFactory(), body=f"[[quote:{quote.slug}]]")
    return quote


def test_a_stale_quote_save_is_refused_naming_who_saved_and_when(
    client_for, fact_checker, other_checker, quote_in_use
):
    url = quote_change_url(quote_in_use)
    one, two = client_for(fact_checker), client_for(other_checker)
    form_one, form_two = open_form(one, url), open_form(two, url)
    assert one.post(url, admin_form_data(form_one, context="In a speech")).status_code == 302
    saved = Quote.objects.get(pk=quote_in_use.pk)

    response = two.post(url, admin_form_data(form_two, text=SECOND_TEXT))

    assert response.status_code == 200
    [message] = form_errors(response)
    assert message.startswith(f"Fay Checker saved this quote at {when(saved.updated_at)}")
    assert SECOND_TEXT in response.content.decode()


def test_a_stale_quote_save_leaves_the_first_save_intact(
    client_for, fact_checker, other_checker, quote_in_use
):
    url = quote_change_url(quote_in_use)
    one, two = client_for(fact_checker), client_for(other_checker)
    form_one, form_two = open_form(one, url), open_form(two, url)
    original_text = quote_in_use.text
    one.post(url, admin_form_data(form_one, context="In a speech"))

    two.post(url, admin_form_data(form_two, text=SECOND_TEXT, context="Somewhere else"))

    quote = Quote.objects.get(pk=quote_in_use.pk)
    assert (quote.text, quote.context, quote.updated_by) == (
        original_text,
        "In a speech",
        fact_checker,
    )
    assert quote.version == 2


def test_a_conflict_caused_by_mark_as_checked_names_the_fact_checker(
    client_for, fact_checker, other_checker, quote_in_use
):
    url = quote_change_url(quote_in_use)
    two = client_for(other_checker)
    form = open_form(two, url)
    client_for(fact_checker).post(
        reverse("admin:claims_quote_changelist"),
        {"action": "mark_checked", "_selected_action": [str(quote_in_use.pk)], "index": "0"},
    )
    assert Quote.objects.get(pk=quote_in_use.pk).checked_by == fact_checker

    response = two.post(url, admin_form_data(form, text=SECOND_TEXT))

    assert form_errors(response)[0].startswith("Fay Checker checked this quote")
