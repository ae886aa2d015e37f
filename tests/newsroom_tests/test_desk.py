"""The editor's desk endpoints (newsroom/core/desk.py): private autosaves of unsaved forms and
who else has a form open. What the browser does with them is in tests/browser/test_desk.py."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from explainers import publishing
from newsroom.models import Autosave, Presence
from tests import factories
from tests.factories import add_section

pytestmark = pytest.mark.django_db

AUTOSAVE, PRESENCE = "/admin/desk/autosave/", "/admin/desk/presence/"


def change_path(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def keep(client, path, **fields):
    return client.post(AUTOSAVE, {"path": path, "data": json.dumps(fields)})


def offered(client, path):
    return client.get(AUTOSAVE, {"path": path}).json()["autosave"]


@pytest.fixture
def desk(client_for, role_editor):
    return client_for(role_editor)


@pytest.fixture
def story():
    explainer = factories.ExplainerFactory(title="A story")
    add_section(explainer, heading="Why?", body="Because.")
    return explainer


def test_an_autosave_is_kept_privately_and_offered_back(desk, client_for, second_editor, story):
    path = change_path(story)

    response = keep(desk, path, title=["Typed, never saved"], **{"sections-0-body": ["Words"]})

    assert response.status_code == 200
    saved = offered(desk, path)
    assert saved["data"]["title"] == ["Typed, never saved"]
    assert offered(client_for(second_editor), path) is None  # nobody else sees it
    assert not story.revisions.exists()  # not a revision


def test_a_save_made_after_the_autosave_makes_it_stale(desk, story, role_editor):
    path = change_path(story)
    keep(desk, path, title=["Typed"])
    Autosave.objects.update(saved_at=timezone.now() - datetime.timedelta(minutes=1))

    publishing.record_edit(story, by=role_editor)  # what a save in the admin records

    assert offered(desk, path) is None


def test_a_save_by_someone_else_does_not_make_mine_stale(desk, story, second_editor):
    path = change_path(story)
    keep(desk, path, title=["Mine"])
    Autosave.objects.update(saved_at=timezone.now() - datetime.timedelta(minutes=1))

    publishing.record_edit(story, by=second_editor)

    assert offered(desk, path)["data"]["title"] == ["Mine"]


def test_a_live_storys_autosave_follows_it_to_its_working_copy(desk, role_editor):
    story = factories.ExplainerFactory(published=True, title="Live")
    keep(desk, change_path(story), title=["Typed on the story's page"])

    copy = publishing.working_copy(story, by=role_editor)

    assert offered(desk, change_path(copy))["data"]["title"] == ["Typed on the story's page"]


def test_an_add_form_keeps_its_text_until_something_is_added(desk, role_editor):
    path = reverse("admin:explainers_explainer_add")
    keep(desk, path, title=["A new story, typed"])
    assert offered(desk, path)["data"]["title"] == ["A new story, typed"]

    Autosave.objects.update(saved_at=timezone.now() - datetime.timedelta(minutes=1))
    publishing.record_edit(factories.ExplainerFactory(), by=role_editor, created=True)

    assert offered(desk, path) is None


def test_a_password_typed_into_a_form_is_never_kept(client_for):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x")
    client = client_for(admin)
    path = reverse("admin:auth_user_add")
    response = keep(
        client, path, username=["new-editor"], password1=["s3cret!"], password2=["s3cret!"]
    )

    assert response.status_code == 200
    assert Autosave.objects.get().data == {"username": ["new-editor"]}
    assert offered(client, path)["data"] == {"username": ["new-editor"]}


def test_discarding_forgets_it(desk, story):
    path = change_path(story)
    keep(desk, path, title=["Typed"])

    desk.post(AUTOSAVE, {"path": path, "discard": "1"})

    assert offered(desk, path) is None and not Autosave.objects.exists()


@pytest.mark.parametrize(
    "data",
    ["not json", "[1, 2]", '{"title": "not a list"}', '{"title": [1]}', '{"title": ["a\\u0000b"]}'],
)
def test_an_autosave_that_is_not_form_data_is_refused(desk, story, data):
    response = desk.post(AUTOSAVE, {"path": change_path(story), "data": data})

    assert response.status_code == 400
    assert not Autosave.objects.exists()


@pytest.mark.parametrize("path", ["/", "/admin/", "/explainers/x/", "/admin/nowhere/", "x"])
def test_a_path_that_is_no_admin_form_is_not_found(desk, path):
    assert desk.post(AUTOSAVE, {"path": path, "data": "{}"}).status_code == 404
    assert desk.post(PRESENCE, {"path": path}).status_code == 404


def test_only_someone_who_may_edit_it_can_autosave_or_be_present(client_for, story):
    outsider = client_for(factories.UserFactory(is_staff=True))

    assert keep(outsider, change_path(story), title=["x"]).status_code == 403
    assert outsider.post(PRESENCE, {"path": change_path(story)}).status_code == 403
    assert not Autosave.objects.exists() and not Presence.objects.exists()


def test_readers_are_sent_to_log_in(client, story):
    response = client.post(AUTOSAVE, {"path": change_path(story), "data": "{}"})

    assert response.status_code == 302 and "/admin/login/" in response.url


# Presence ----------------------------------------------------------------------------------------


def test_two_editors_on_the_same_story_see_each_other(desk, client_for, second_editor, story):
    night = client_for(second_editor)
    path = change_path(story)

    assert desk.post(PRESENCE, {"path": path}).json()["others"] == []
    others = night.post(PRESENCE, {"path": path}).json()["others"]

    assert [other["name"] for other in others] == ["Edna Editor"]
    assert [o["name"] for o in desk.post(PRESENCE, {"path": path}).json()["others"]] == [
        "Nigel Nightdesk"
    ]


def test_someone_who_left_or_went_quiet_is_no_longer_shown(
    desk, client_for, role_editor, second_editor, story
):
    night = client_for(second_editor)
    path = change_path(story)
    desk.post(PRESENCE, {"path": path})
    night.post(PRESENCE, {"path": path})

    desk.post(PRESENCE, {"path": path, "leave": "1"})
    assert night.post(PRESENCE, {"path": path}).json()["others"] == []

    desk.post(PRESENCE, {"path": path})
    Presence.objects.filter(user=role_editor).update(
        seen_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert night.post(PRESENCE, {"path": path}).json()["others"] == []


def test_since_is_when_the_visit_began(desk, client_for, second_editor, story):
    path = change_path(story)
    desk.post(PRESENCE, {"path": path})
    began = timezone.now() - datetime.timedelta(minutes=5)
    Presence.objects.update(since=began)

    desk.post(PRESENCE, {"path": path})  # a later report of the same visit
    [other] = client_for(second_editor).post(PRESENCE, {"path": path}).json()["others"]

    shown = datetime.datetime.fromisoformat(other["since"])
    assert abs(shown - began) < datetime.timedelta(seconds=1)


def test_every_change_page_loads_the_desk(desk, story):
    for obj in (story, factories.QuoteFactory()):
        html = desk.get(change_path(obj)).content.decode()
        assert 'name="newsroom-desk"' in html and "newsroom/admin/desk.js" in html


def test_the_desk_costs_a_fixed_number_of_queries_however_many_are_editing(desk, client_for, story):
    """Each open tab polls presence every 15 s and autosaves every 20 s: a fixed cost each,
    whatever the form's size or the number of people on it."""
    path = change_path(story)
    counts, present = [], 0
    for others in (1, 6):
        while present < others:
            other = factories.UserFactory(is_staff=True, is_superuser=True)
            client_for(other).post(PRESENCE, {"path": path})
            present += 1
        desk.post(PRESENCE, {"path": path})
        with CaptureQueriesContext(connection) as presence:
            seen = desk.post(PRESENCE, {"path": path}).json()
        counts.append(len(presence))
        assert len(seen["others"]) >= others
    assert counts[0] == counts[1] <= 9, counts

    small = {"title": ["x"]}
    large = {f"sections-{n}-body": ["words " * 500] for n in range(40)}
    for fields in (small, large):
        keep(desk, path, **fields)
        with CaptureQueriesContext(connection) as saving:
            assert keep(desk, path, **fields).status_code == 200
        with CaptureQueriesContext(connection) as offering:
            assert offered(desk, path)["data"] == fields
        assert len(saving) <= 10 and len(offering) <= 8, (len(saving), len(offering))
