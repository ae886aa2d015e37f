import pytest

from explainers.models import Topic
from tests.factories import ExplainerFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_topic_is_public_only_while_a_published_story_uses_it():
    shown, draft_only, scheduled_only = TopicFactory(), TopicFactory(), TopicFactory()
    ExplainerFactory(published=True, topics=[shown])
    ExplainerFactory(topics=[draft_only])
    ExplainerFactory(scheduled=True, topics=[scheduled_only])
    assert list(Topic.objects.public()) == [shown]


def test_public_explainer_count_ignores_unpublished_stories():
    topic = TopicFactory()
    ExplainerFactory(published=True, topics=[topic])
    ExplainerFactory(topics=[topic])
    ExplainerFactory(archived=True, topics=[topic])
    ExplainerFactory(scheduled=True, topics=[topic])
    assert Topic.objects.with_public_explainer_count().get().public_explainer_count == 1
