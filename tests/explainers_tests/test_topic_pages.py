"""Topic pages: a page of published stories at a time, newest first, ``?page=N``."""

import datetime

import pytest
from django.utils import timezone

from explainers import views
from tests.factories import ExplainerFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_size(monkeypatch):
    """Three stories to a page, so a handful of stories makes several pages."""
    monkeypatch.setattr(views, "TOPIC_PAGE_SIZE", 3)
    return 3


def stories(topic, count, **fields):
    """``count`` published stories, one an hour apart, newest first."""
    now = timezone.now()
    return [
        ExplainerFactory(
            published=True,
            topics=[topic],
            title=f"Story {n:03}",
            published_at=now - datetime.timedelta(hours=n + 1),
            **fields,
        )
        for n in range(count)
    ]


def titles(response) -> list[str]:
    return [explainer.title for explainer in response.context["page"]]


def test_topic_page_shows_one_page_of_stories_newest_first(client, page_size):
    topic = TopicFactory()
    made = stories(topic, 7)

    response = client.get(topic.get_absolute_url())

    assert response.status_code == 200
    assert titles(response) == [e.title for e in made[:3]]
    assert made[3].title not in response.content.decode()


def test_later_pages_continue_where_the_previous_one_ended(client, page_size):
    topic = TopicFactory()
    made = stories(topic, 7)
    url = topic.get_absolute_url()

    seen = [titles(client.get(url + f"?page={n}")) for n in (1, 2, 3)]

    assert seen == [[e.title for e in made[i : i + 3]] for i in (0, 3, 6)]


def test_stories_published_at_the_same_moment_are_each_listed_once(client, page_size):
    topic = TopicFactory()
    same = timezone.now() - datetime.timedelta(hours=1)
    made = [ExplainerFactory(published=True, topics=[topic], published_at=same) for _ in range(7)]
    url = topic.get_absolute_url()

    seen = [title for n in (1, 2, 3) for title in titles(client.get(url + f"?page={n}"))]

    assert sorted(seen) == sorted(e.title for e in made)


def test_pager_links_pages_accessibly(client, page_size):
    topic = TopicFactory()
    stories(topic, 7)
    url = topic.get_absolute_url()

    html = client.get(url + "?page=2").content.decode()

    assert '<nav class="pager" aria-label="Pages">' in html
    assert "Page 2 of 3" in html
    assert f'rel="prev" href="{url}"' in html  # page 1 is the topic's own URL
    assert f'rel="next" href="{url}?page=3"' in html
    assert 'aria-current="page"' in html


def test_later_pages_are_their_own_canonical_url(client, page_size):
    topic = TopicFactory()
    stories(topic, 7)
    url = topic.get_absolute_url()

    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    last = client.get(url + "?page=3").content.decode()

    assert f'<link rel="canonical" href="http://testserver{url}">' in first
    assert f'<link rel="next" href="http://testserver{url}?page=2">' in first
    assert 'rel="prev"' not in first
    assert f'<link rel="canonical" href="http://testserver{url}?page=2">' in second
    assert f'<link rel="prev" href="http://testserver{url}">' in second
    assert "<title>" in second and "(page 2 of 3)" in second
    assert f'<link rel="prev" href="http://testserver{url}?page=2">' in last
    assert 'rel="next"' not in last


def test_a_single_page_has_no_pager(client):
    topic = TopicFactory()
    stories(topic, 2)

    html = client.get(topic.get_absolute_url()).content.decode()

    assert 'class="pager"' not in html and 'rel="next"' not in html


@pytest.mark.parametrize(
    "page",
    ["0", "-1", "4", "999999999", "9" * 5000, "two", "", "1.0", "2.5", "01", " 2", "+2", "1e1"]
    + ["\uff12"],  # a fullwidth 2: int() would take it
)
def test_a_page_that_does_not_exist_is_the_sites_not_found_page(client, page_size, page):
    topic = TopicFactory()
    stories(topic, 7)  # pages 1 to 3

    response = client.get(topic.get_absolute_url(), {"page": page})

    assert response.status_code == 404
    assert "We can’t find that page" in response.content.decode()


def test_page_one_may_be_asked_for_by_number(client, page_size):
    topic = TopicFactory()
    stories(topic, 4)
    url = topic.get_absolute_url()

    response = client.get(url + "?page=1")

    assert response.status_code == 200
    assert f'<link rel="canonical" href="http://testserver{url}">' in response.content.decode()


def test_unpublished_stories_take_no_place_on_any_page(client, page_size):
    topic = TopicFactory()
    made = stories(topic, 3)
    ExplainerFactory(topics=[topic], title="A draft")
    ExplainerFactory(scheduled=True, topics=[topic], title="Scheduled")
    ExplainerFactory(archived=True, topics=[topic], title="Archived")
    live = ExplainerFactory(published=True)  # in another topic
    ExplainerFactory(published=True, topics=[topic], title="Working copy", draft_of=live)
    url = topic.get_absolute_url()

    response = client.get(url)

    assert titles(response) == [e.title for e in made]
    assert response.context["page"].paginator.num_pages == 1
    assert client.get(url + "?page=2").status_code == 404


def test_topic_with_nothing_published_is_not_found_on_any_page(client):
    topic = TopicFactory()
    ExplainerFactory(topics=[topic])
    url = topic.get_absolute_url()

    assert client.get(url).status_code == 404
    assert client.get(url + "?page=1").status_code == 404


def test_topic_page_query_count_does_not_grow_with_its_stories(
    client, page_size, django_assert_max_num_queries
):
    topic = TopicFactory()
    stories(topic, 3)
    few = client.get(topic.get_absolute_url() + "?page=1")
    stories(topic, 27)

    for page in ("1", "5", "10"):
        # topic with its count of published stories, the page of stories, their topics, authors,
        # the masthead's topics (newsroom/context_processors.py)
        with django_assert_max_num_queries(5):
            response = client.get(topic.get_absolute_url(), {"page": page})
        assert response.status_code == 200
    assert few.context["page"].paginator.count == 3
    assert response.context["page"].paginator.count == 30
    assert response.context["page"].paginator.num_pages == 10
