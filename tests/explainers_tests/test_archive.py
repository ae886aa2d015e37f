"""The generated archive used by scripts/loadtest."""

import pytest
from django.core.management import call_command

from explainers.models import Explainer, SectionBlock

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
