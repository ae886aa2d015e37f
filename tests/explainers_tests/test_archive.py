"""The generated archive used by scripts/loadtest."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from claims.models import Rating
from explainers import archive
from explainers.models import Explainer, Section, SectionBlock

pytestmark = pytest.mark.django_db


def test_generated_stories_are_published_with_sections_and_shared_blocks(client, capsys):
    call_command("generate_archive", "30", "--fact-pool", "5")
    assert "Generated 30 explainers" in capsys.readouterr().out
    assert Explainer.objects.published().count() == 30
    story = Explainer.objects.get(slug="archive-7")
    assert story.sections.count() == 4
    assert SectionBlock.objects.filter(section__explainer=story).count() == 16
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert "The latest count is" in response.content.decode()


def test_generating_again_adds_more_stories_to_the_same_pool():
    call_command("generate_archive", "5", "--fact-pool", "5")
    call_command("generate_archive", "5", "--fact-pool", "5")
    assert Explainer.objects.filter(slug__startswith="archive-").count() == 10
    assert Explainer.objects.filter(slug="archive-9").exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_create_every_story_once_with_all_its_rows(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("batches are written by several processes on PostgreSQL only")
    monkeypatch.setattr(archive, "BATCH", 3)  # 4 batches for 2 processes
    # An earlier transactional test may have flushed the rating scale the migrations create.
    Rating.objects.get_or_create(
        slug="unsupported", defaults={"name": "Unsupported", "verdict": "unsupported"}
    )
    report = archive.generate_archive(10, fact_pool=4, workers=2)
    assert report.explainers == 10
    stories = Explainer.objects.published().filter(slug__startswith="archive-")
    assert sorted(stories.values_list("slug", flat=True)) == sorted(
        f"archive-{n}" for n in range(10)
    )
    assert Section.objects.filter(explainer__in=stories).count() == 40
    per_section = (
        SectionBlock.objects.values("section").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert set(per_section) == {4}
    assert Explainer.topics.through.objects.filter(explainer__in=stories).count() == 10


def test_bad_counts_are_refused_with_a_clear_error():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_archive", "0")
    assert not Explainer.objects.exists()
