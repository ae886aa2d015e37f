"""Past ``NEWSROOM_RENDER_AT_ONCE``, the stories showing a changed fact are rendered by a task
on the queue (a worker), not in the editor's request and not left to readers."""

import datetime
from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from claims import publishing as facts
from explainers import renderings
from explainers.models import Rendering
from tests.factories import ExplainerFactory, StatisticFactory, add_section

pytestmark = pytest.mark.django_db


def stories_showing_one_figure(count: int):
    statistic = StatisticFactory(slug="shared", values=[(10, datetime.date(2025, 8, 1))])
    stories = []
    for n in range(count):
        story = ExplainerFactory(published=True, slug=f"s{n}")
        add_section(story, "[[statistic:shared]]")
        renderings.refresh(story.pk)
        stories.append(story)
    return statistic, stories


def add_figure(statistic, committed):
    committed(
        facts.add_value,
        statistic,
        value=Decimal(77),
        as_of=datetime.date(2025, 9, 1),
        by=None,
    )


def test_the_rest_are_rendered_by_one_queued_task(settings, committed, run_tasks):
    settings.NEWSROOM_RENDER_AT_ONCE = 2
    statistic, stories = stories_showing_one_figure(5)
    add_figure(statistic, committed)
    assert Rendering.objects.filter(stale=True).count() == 3  # the editor waited for two
    queued = DBTaskResult.objects.filter(task_path__endswith="render_stale_stories")
    assert queued.count() == 1
    run_tasks()
    assert Rendering.objects.filter(stale=True).count() == 0
    for story in stories:
        assert "77" in Rendering.objects.get(pk=story.pk).article


def test_within_the_bound_nothing_is_queued(settings, committed):
    settings.NEWSROOM_RENDER_AT_ONCE = 20
    statistic, _ = stories_showing_one_figure(3)
    add_figure(statistic, committed)
    assert Rendering.objects.filter(stale=True).count() == 0
    assert not DBTaskResult.objects.filter(task_path__endswith="render_stale_stories").exists()
