"""The story form as editors type into it: the schedule box takes the day first, like every
other date in the admin, and every problem of every token is reported in one save."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from explainers.admin import parse_local_datetime
from explainers.blocks import compile_body
from explainers.models import Explainer, Section
from tests import factories
from tests.explainers_tests.test_admin import current, explainer_data, section_errors
from tests.factories import add_section

pytestmark = pytest.mark.django_db

DAY_FIRST = "dd/mm/yyyy HH:MM, e.g. 19/08/2025 07:00"


def workflow_url(explainer, verb):
    return reverse("admin:explainers_explainer_workflow", args=[explainer.pk, verb])


def change_url(explainer):
    return reverse("admin:explainers_explainer_change", args=[explainer.pk])


def reload(explainer):
    return Explainer.objects.get(pk=explainer.pk)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


@pytest.fixture
def draft(statistic):
    explainer = factories.ExplainerFactory(title="Why do boats still cross?", slug="boats")
    add_section(explainer, body=f"Crossings reached [[value:{statistic.slug}]] this year.")
    return explainer


NEXT_YEAR = timezone.localdate().year + 1


# One date format: the schedule box -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        f"19/08/{NEXT_YEAR} 07:30",
        f"19/08/{NEXT_YEAR}, 07:30",
        f"19/8/{NEXT_YEAR} 7:30",
        f"{NEXT_YEAR}-08-19T07:30",  # ISO, as a datetime-local input sends it
    ],
)
def test_a_schedule_time_is_read_day_first_or_as_iso(typed):
    when = timezone.localtime(parse_local_datetime(typed))

    assert (when.year, when.month, when.day, when.hour, when.minute) == (NEXT_YEAR, 8, 19, 7, 30)


def test_an_ambiguous_date_is_read_day_first(desk, draft):
    response = desk.post(
        workflow_url(draft, "schedule"), {"publish_at": f"03/04/{NEXT_YEAR} 09:00"}
    )

    assert response.status_code == 302
    story = reload(draft)
    assert story.is_scheduled
    assert timezone.localtime(story.published_at).replace(tzinfo=None) == datetime.datetime(
        NEXT_YEAR, 4, 3, 9, 0
    )  # 3 April, not 4 March


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("13/25/2026 09:00", "is not a real date and time; give it as"),
        ("13/25/2026", "is not a real date and time; give it as"),
        ("12/31/2026 09:00", "has the month first; give the day first:"),
        ("12/31/2026", "has the month first; give the day first:"),
    ],
)
def test_a_month_first_date_is_refused_naming_the_format(desk, draft, typed, says):
    response = desk.post(workflow_url(draft, "schedule"), {"publish_at": typed}, follow=True)

    assert messages_of(response) == [f"“{typed}” {says} {DAY_FIRST}."]
    assert reload(draft).status == Explainer.Status.DRAFT


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (f"19/08/{NEXT_YEAR}", f"Give the time as well as the day: {DAY_FIRST}."),
        (f"31/02/{NEXT_YEAR} 09:00", f"is not a real date and time; give it as {DAY_FIRST}."),
        (f"19/08/{NEXT_YEAR} 25:00", f"is not a real date and time; give it as {DAY_FIRST}."),
        ("next tuesday", f"Give the publication time as date and time: {DAY_FIRST}."),
    ],
)
def test_a_day_first_time_that_cannot_be_is_refused_naming_the_format(desk, draft, typed, says):
    response = desk.post(workflow_url(draft, "schedule"), {"publish_at": typed}, follow=True)

    assert response.status_code == 200
    assert any(says in message for message in messages_of(response))
    assert reload(draft).status == Explainer.Status.DRAFT


def test_the_schedule_box_asks_for_the_day_first(desk, draft):
    content = desk.get(change_url(draft)).content.decode()

    box = content.split('id="id_publish_at"', 1)[1].split(">", 1)[0]
    assert 'placeholder="dd/mm/yyyy hh:mm"' in box
    assert 'type="datetime-local"' not in content  # the browser's own, often month first
    assert "Day first, 24-hour clock: 19/08/2025 07:00" in content


def test_the_schedule_box_of_a_scheduled_story_shows_its_time_day_first(desk, draft):
    desk.post(workflow_url(draft, "schedule"), {"publish_at": f"19/08/{NEXT_YEAR} 07:30"})

    content = desk.get(change_url(draft)).content.decode()

    box = content.split('id="id_publish_at"', 1)[1].split(">", 1)[0]
    assert f'value="19/08/{NEXT_YEAR} 07:30"' in box


# Every token error in one save -----------------------------------------------------------------


def test_a_misplaced_token_naming_no_block_gets_both_messages_at_once():
    with pytest.raises(ValidationError) as refused:
        compile_body("Words [[quote:no-such-quote]] here.")

    assert refused.value.messages == [
        "[[quote:no-such-quote]] is a card: put it on a line of its own or use [[said:…]] for "
        "quoted words inside a sentence.",
        "[[quote:no-such-quote]]: there is no quote “no-such-quote”.",
    ]


def test_a_bad_pin_date_on_a_statistic_that_does_not_exist_gets_both_messages():
    with pytest.raises(ValidationError) as refused:
        compile_body("[[statistic:nope@2025-13-01]]")

    assert refused.value.messages == [
        "[[statistic:nope@2025-13-01]]: “2025-13-01” is not a date; write it as YYYY-MM-DD.",
        "[[statistic:nope@2025-13-01]]: there is no statistic “nope”.",
    ]


def test_every_problem_of_every_token_names_its_paragraph(statistic):
    body = (
        "The figures first.\n\n"
        "Crossings reached [[statistic:small-boat-crossings]] this year.\n\n"
        "[[value:nope]] and [[chart:boats]]"
    )

    with pytest.raises(ValidationError) as refused:
        compile_body(body)

    assert refused.value.messages == [
        "Paragraph 2: [[statistic:small-boat-crossings]] is a card: put it on a line of its own "
        "or use [[value:…]] for a figure inside a sentence.",
        "Paragraph 3: [[value:nope]]: there is no statistic “nope”.",
        "Paragraph 3: [[chart:boats]]: unknown block type “chart”. Use quote, said, statistic, "
        "value, claim or media.",
    ]


def test_a_preview_shows_every_problem_of_a_token_where_it_stands():
    compiled = compile_body("Words [[quote:no-such-quote]] here.", lenient=True)

    assert compiled.html == (
        '<p>Words <mark class="token-error" role="note">[[quote:no-such-quote]] is a card: put '
        "it on a line of its own or use [[said:…]] for quoted words inside a sentence. "
        "[[quote:no-such-quote]]: there is no quote “no-such-quote”.</mark> here.</p>"
    )
    assert len(compiled.errors) == 2 and compiled.blocks == []


def test_one_save_of_the_story_reports_every_token_problem_in_every_section(
    editor_client, statistic, quote
):
    story = factories.ExplainerFactory(title="Small boats explained", slug="small-boats-explained")
    first = add_section(story, body="Crossings reached [[value:small-boat-crossings]].")
    second = add_section(
        story, heading="What did the minister say?", body="[[quote:island-of-strangers]]"
    )
    before = list(Section.objects.filter(explainer=story).values_list("body", flat=True))
    data = explainer_data(
        story,
        sections=[
            current(first) | {"body": "She said [[quote:island-of-strangrs]] then."},
            current(second) | {"body": "Intro.\n\n[[statistic:small-boat-crossings@2025-02-30]]"},
        ],
    )

    response = editor_client.post(change_url(story), data)

    assert response.status_code == 200
    assert section_errors(response) == [
        "[[quote:island-of-strangrs]] is a card: put it on a line of its own or use [[said:…]] "
        "for quoted words inside a sentence.",
        "[[quote:island-of-strangrs]]: there is no quote “island-of-strangrs”. Did you mean "
        "“island-of-strangers”?",
        "Paragraph 2: [[statistic:small-boat-crossings@2025-02-30]]: “2025-02-30” is not a "
        "date; write it as YYYY-MM-DD.",
    ]
    assert list(Section.objects.filter(explainer=story).values_list("body", flat=True)) == before
