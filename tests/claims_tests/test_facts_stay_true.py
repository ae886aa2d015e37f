"""Facts that stay true: add-only statistic values with automatic update notes, pinned figures,
the review queue, marking facts as checked, ratings only fact-checkers set, and deletion refused
for anything a story uses."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Quote, Rating
from explainers import publishing
from explainers.models import Correction
from newsroom.models import AuditEntry
from tests import factories
from tests.factories import add_section, admin_form_data

pytestmark = pytest.mark.django_db

NEW_NOTE = (
    "Small-boat arrivals: figure updated, 50,271 → 51,113, source Home Office, "
    "as of 30 September 2025."
)


def admin_url(model_or_obj, action, *args):
    opts = model_or_obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def change_url(obj):
    return admin_url(obj, "change", obj.pk)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def figure(db):
    """50,271 as of 11 August 2025, from the Home Office."""
    return factories.StatisticFactory(
        slug="small-boat-arrivals",
        label="Small-boat arrivals",
        source=factories.SourceFactory(publisher="Home Office"),
    )


@pytest.fixture
def checker(client_for, fact_checker):
    return client_for(fact_checker)


def story_using(token, title, **traits):
    story = factories.ExplainerFactory(title=title, **{"published": True, **traits})
    add_section(story, body=f"Arrivals reached {token} this year.")
    return story


def add_value(client, statistic, value="51113", as_of="2025-09-30"):
    """Add a value through the statistic's change form, in the empty row of the values inline."""
    form = client.get(change_url(statistic))
    new = len(form.context["inline_admin_formsets"][0].formset.initial_forms)
    data = admin_form_data(form, **{f"values-{new}-value": value, f"values-{new}-as_of": as_of})
    response = client.post(change_url(statistic), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    return response


# A new value reaches every live use at once -----------------------------------------------------


def test_a_new_value_shows_at_once_on_every_published_story_using_it_live(client, checker, figure):
    in_sentence = story_using(f"[[value:{figure.slug}]]", "Sentence story")
    on_card = factories.ExplainerFactory(published=True, title="Card story")
    add_section(on_card, body=f"[[statistic:{figure.slug}]]")

    add_value(checker, figure)

    for story in (in_sentence, on_card):
        page = client.get(story.get_absolute_url()).content.decode()
        assert "51,113" in page
        assert "50,271" not in page.split('id="notes"')[0]  # the old figure only in the note


def test_a_new_value_adds_an_update_note_with_old_and_new_figures_source_and_date(
    client, checker, figure
):
    story = story_using(f"[[value:{figure.slug}]]", "Sentence story")

    add_value(checker, figure)

    note = Correction.objects.get(explainer=story)
    assert (note.kind, note.automatic, note.text) == ("update", True, NEW_NOTE)
    page = client.get(story.get_absolute_url()).content.decode()
    assert NEW_NOTE in page
    assert "updated-marker" in page


def test_one_note_per_story_even_when_it_uses_the_figure_twice(checker, figure):
    story = story_using(f"[[value:{figure.slug}]]", "Twice")
    add_section(story, body=f"[[statistic:{figure.slug}]]")

    add_value(checker, figure)

    assert Correction.objects.filter(explainer=story).count() == 1


def test_a_draft_using_the_figure_gets_no_note(checker, figure):
    draft = story_using(f"[[value:{figure.slug}]]", "Draft story", published=False)

    add_value(checker, figure)

    assert not Correction.objects.filter(explainer=draft).exists()


def test_a_back_filled_older_value_changes_nothing_readers_see(client, checker, figure):
    story = story_using(f"[[value:{figure.slug}]]", "Sentence story")

    add_value(checker, figure, value="40000", as_of="2025-01-31")

    assert not Correction.objects.filter(explainer=story).exists()
    assert "50,271" in client.get(story.get_absolute_url()).content.decode()


def test_a_pinned_figure_keeps_its_value_and_points_to_the_newer_one(client, checker, figure):
    pinned = factories.ExplainerFactory(published=True, title="Pinned story")
    add_section(pinned, body=f"[[statistic:{figure.slug}@2025-08-11]]")

    add_value(checker, figure)

    page = client.get(pinned.get_absolute_url()).content.decode()
    assert '<span class="stat__value">50,271</span>' in page
    assert "A newer figure is available" in page
    assert f'<a href="{figure.get_absolute_url()}">51,113 (as of 30 September 2025)</a>' in page
    assert not Correction.objects.filter(explainer=pinned).exists()


def test_a_new_value_is_recorded_in_the_audit_trail(checker, fact_checker, figure):
    add_value(checker, figure)

    entry = AuditEntry.objects.get(action="value_added")
    assert (entry.actor, entry.object_id, entry.object_repr) == (
        fact_checker,
        str(figure.pk),
        "Small-boat arrivals",
    )


# Values are add-only ---------------------------------------------------------------------------


def test_existing_values_are_shown_read_only(checker, figure):
    response = checker.get(change_url(figure))

    content = response.content.decode()
    assert 'name="values-0-value"' not in content
    assert 'name="values-0-as_of"' not in content
    assert 'name="values-1-value"' in content  # the empty row for a new value
    assert '<div class="readonly">50,271</div>' in content  # as typed, not 50271.0000
    assert not response.context["inline_admin_formsets"][0].has_change_permission
    assert not response.context["inline_admin_formsets"][0].has_delete_permission


def test_posting_a_changed_existing_value_does_not_change_it(checker, figure):
    form = checker.get(change_url(figure))
    data = admin_form_data(form, **{"values-0-value": "99999", "values-0-as_of": "2025-08-12"})

    checker.post(change_url(figure), data)

    assert list(figure.values.values_list("value", "as_of")) == [
        (50271, datetime.date(2025, 8, 11))
    ]
    assert not Correction.objects.exists()


def test_a_second_value_for_the_same_date_is_refused(checker, figure):
    form = checker.get(change_url(figure))
    data = admin_form_data(form, **{"values-1-value": "1", "values-1-as_of": "2025-08-11"})

    response = checker.post(change_url(figure), data)

    assert response.status_code == 200
    assert list(figure.values.values_list("value", flat=True)) == [50271]


# The review queue ------------------------------------------------------------------------------


def overdue(factory, uses, days=3, **fields):
    block = factory(review_by=timezone.localdate() - datetime.timedelta(days=days), **fields)
    for _ in range(uses):
        add_section(factories.ExplainerFactory(), body=f"[[{block.token_kind}:{block.slug}]]")
    return block


def test_needs_review_lists_overdue_blocks_most_used_first(checker):
    quote = overdue(factories.QuoteFactory, uses=1)
    statistic = overdue(factories.StatisticFactory, uses=3)
    claim = overdue(factories.ClaimFactory, uses=0)
    factories.QuoteFactory(review_by=timezone.localdate() + datetime.timedelta(days=30))
    factories.QuoteFactory(review_by=None)

    response = checker.get(reverse("admin:claims_needs_review"))

    assert response.status_code == 200
    assert [row["obj"] for row in response.context["rows"]] == [statistic, quote, claim]
    assert [row["obj"].use_count for row in response.context["rows"]] == [3, 1, 0]
    assert "Overdue since" in response.content.decode()


def test_needs_review_puts_the_longest_overdue_first_among_equally_used(checker):
    recent = overdue(factories.QuoteFactory, uses=1, days=1)
    oldest = overdue(factories.ClaimFactory, uses=1, days=20)

    response = checker.get(reverse("admin:claims_needs_review"))

    assert [row["obj"] for row in response.context["rows"]] == [oldest, recent]


def test_needs_review_is_forbidden_to_users_without_fact_permissions(client_for):
    staff = factories.UserFactory(username="staff-only", is_staff=True)

    assert client_for(staff).get(reverse("admin:claims_needs_review")).status_code == 403


def measure(client, url):
    client.get(url)  # warm the content type and permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_needs_review_query_count_does_not_grow_with_stale_facts(
    checker, django_assert_max_num_queries
):
    url = reverse("admin:claims_needs_review")
    for factory in (factories.QuoteFactory, factories.StatisticFactory):
        overdue(factory, uses=1)
    few = measure(checker, url)

    for factory in [factories.QuoteFactory, factories.StatisticFactory, factories.ClaimFactory] * 6:
        overdue(factory, uses=1)
    # 1 session, 1 user, 2 permissions (user, group), then one query per kind of block, each
    # with its use count in SQL: statistics, quotes (with their speakers), claims. Nothing per row.
    with django_assert_max_num_queries(7):
        response = checker.get(url)
    assert len(response.context["rows"]) == 20
    assert measure(checker, url) == few


# Marking facts as checked ------------------------------------------------------------------------


def mark_checked(client, block):
    return client.post(
        admin_url(block, "changelist"),
        {"action": "mark_checked", "_selected_action": [str(block.pk)], "index": "0"},
        follow=True,
    )


def test_mark_as_checked_sets_the_date_and_the_fact_checker(checker, fact_checker, quote):
    mark_checked(checker, quote)

    quote.refresh_from_db()
    assert (quote.checked_on, quote.checked_by) == (timezone.localdate(), fact_checker)


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_mark_as_checked_needs_the_verify_permission(client_for, kind):
    block = {
        "quote": factories.QuoteFactory,
        "statistic": factories.StatisticFactory,
        "claim": factories.ClaimFactory,
    }[kind]()
    user = factories.UserFactory(username="no-verify", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=[f"view_{kind}", f"change_{kind}"])
    )

    response = mark_checked(client_for(user), block)

    assert "Only fact-checkers can mark facts as checked." in messages_of(response)
    block.refresh_from_db()
    assert (block.checked_on, block.checked_by) == (None, None)


def test_a_writer_cannot_mark_a_fact_as_checked(client_for, writer, quote):
    mark_checked(client_for(writer), quote)

    quote.refresh_from_db()
    assert quote.checked_on is None


def test_the_public_fact_page_says_when_it_was_last_checked(client, checker, quote):
    add_section(factories.ExplainerFactory(published=True), body=f"[[quote:{quote.slug}]]")
    mark_checked(checker, quote)

    page = client.get(quote.get_absolute_url()).content.decode()

    assert f'Checked by Fay Checker on <time datetime="{timezone.localdate():%Y-%m-%d}">' in page


def test_a_fact_checker_without_a_name_cannot_record_a_check(client_for, fact_checker, quote):
    fact_checker.first_name = fact_checker.last_name = ""
    fact_checker.save()

    response = mark_checked(client_for(fact_checker), quote)

    assert any("add your full name to your account" in m for m in messages_of(response))
    quote.refresh_from_db()
    assert (quote.checked_on, quote.checked_by) == (None, None)


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_a_date_without_a_checker_is_not_shown_as_a_check(client, kind):
    """A checked date typed in or loaded without a named checker is not a check."""
    block = {
        "quote": factories.QuoteFactory,
        "statistic": factories.StatisticFactory,
        "claim": factories.ClaimFactory,
    }[kind](checked_on=datetime.date(2025, 3, 4))
    add_section(factories.ExplainerFactory(published=True), body=f"[[{kind}:{block.slug}]]")

    page = client.get(block.get_absolute_url()).content.decode()

    assert "Not independently checked" in page
    assert "Checked by" not in page and "4 March 2025" not in page


# Only fact-checkers rate claims --------------------------------------------------------------------


def other_rating(claim):
    return Rating.objects.exclude(pk=claim.rating_id).first()


def test_a_writer_cannot_change_a_claims_rating(client_for, writer, claim):
    writer_client = client_for(writer)
    form = writer_client.get(change_url(claim))
    assert "rating" not in form.context["adminform"].form.fields

    response = writer_client.post(change_url(claim), {"rating": str(other_rating(claim).pk)})

    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).rating == claim.rating


def test_an_editor_of_claims_without_rate_permission_sees_the_rating_read_only(client_for, claim):
    user = factories.UserFactory(username="claims-editor", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_claim", "change_claim"])
    )
    claims_editor = client_for(user)
    form = claims_editor.get(change_url(claim))
    assert "rating" not in form.context["adminform"].form.fields
    assert claim.rating.name in form.content.decode()

    response = claims_editor.post(
        change_url(claim),
        admin_form_data(form, rating=str(other_rating(claim).pk), explanation="Explained anew."),
    )

    assert response.status_code == 302
    saved = Claim.objects.get(pk=claim.pk)
    assert saved.rating == claim.rating
    assert saved.explanation == "Explained anew."


def test_a_fact_checker_can_change_a_claims_rating(checker, claim):
    claim.citations.create(source=factories.SourceFactory())  # our verdict needs evidence
    form = checker.get(change_url(claim))
    new = other_rating(claim)

    response = checker.post(change_url(claim), admin_form_data(form, rating=str(new.pk)))

    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).rating == new


# Deleting what a story uses is refused -------------------------------------------------------------


def used_by_story(block):
    story = factories.ExplainerFactory(published=True, title="The story that uses it")
    add_section(story, body=f"[[{block.token_kind}:{block.slug}]]")
    return block


USED = {
    "quote": lambda: used_by_story(factories.QuoteFactory()),
    "statistic": lambda: used_by_story(factories.StatisticFactory()),
    "claim": lambda: used_by_story(factories.ClaimFactory()),
    "person": lambda: used_by_story(factories.QuoteFactory()).speaker,
    "source": lambda: used_by_story(factories.StatisticFactory()).source,
}


@pytest.mark.parametrize("kind", USED)
def test_the_delete_page_names_the_story_using_it(editor_client, kind):
    obj = USED[kind]()

    response = editor_client.get(admin_url(obj, "delete", obj.pk))

    assert response.status_code == 200
    assert "is used in the story “The story that uses it (published)”" in response.content.decode()


@pytest.mark.parametrize("kind", USED)
def test_deleting_what_a_story_uses_is_refused(editor_client, kind):
    obj = USED[kind]()

    response = editor_client.post(admin_url(obj, "delete", obj.pk), {"post": "yes"})

    assert response.status_code == 200
    assert "The story that uses it" in response.content.decode()
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_fact_used_only_by_a_working_copy_names_its_story(editor_client, quote):
    story = factories.ExplainerFactory(published=True, title="Live story title")
    copy = publishing.working_copy(story, by=None)
    add_section(copy, body=f"[[quote:{quote.slug}]]")

    response = editor_client.get(admin_url(quote, "delete", quote.pk))

    assert "is used in the story “Live story title (published)”" in response.content.decode()
    assert Quote.objects.filter(pk=quote.pk).exists()
