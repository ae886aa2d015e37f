"""Fact pages: "Used in N stories" is the true total; the stories come a page at a time."""

import datetime

import pytest
from django.utils import timezone

from claims import views
from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    add_section,
)

pytestmark = pytest.mark.django_db

KINDS = ["quote", "statistic", "claim"]


@pytest.fixture
def page_size(monkeypatch):
    monkeypatch.setattr(views, "STORIES_LISTED", 3)
    return 3


def make_fact(kind):
    fact = {"quote": QuoteFactory, "statistic": StatisticFactory, "claim": ClaimFactory}[kind]()
    if kind == "claim":
        fact.sources.add(SourceFactory())
    return fact


def use(fact, count=1, *, start=0, **fields):
    """``count`` stories placing ``fact`` as a card: by default published an hour apart, newest
    first; else made with ``fields``."""
    now = timezone.now()
    made = []
    for n in range(start, start + count):
        story = fields or {"published": True, "published_at": now - datetime.timedelta(hours=n + 1)}
        explainer = ExplainerFactory(title=f"Story {n:03}", **story)
        add_section(explainer, f"[[{fact.token_kind}:{fact.slug}]]")
        made.append(explainer)
    return made


def listed(response) -> list[str]:
    return [explainer.title for explainer in response.context["used_in"]]


@pytest.mark.parametrize("kind", KINDS)
def test_fact_page_states_the_true_total_and_lists_the_newest(client, page_size, kind):
    fact = make_fact(kind)
    stories = use(fact, 7)

    response = client.get(fact.get_absolute_url())

    html = response.content.decode()
    assert "Used in 7 stories" in html
    assert listed(response) == [s.title for s in stories[:3]]
    assert stories[3].get_absolute_url() not in html
    assert "stories 1 to 3 of 7" in html
    assert '<nav class="pager" aria-label="Pages">' in html
    url = fact.get_absolute_url()
    assert f'rel="next" href="{url}?page=2#used-in"' in html


def test_later_pages_list_older_stories(client, page_size):
    fact = make_fact("statistic")
    stories = use(fact, 7)
    url = fact.get_absolute_url()

    pages = [client.get(url + f"?page={n}") for n in (2, 3)]

    assert [listed(page) for page in pages] == [
        [s.title for s in stories[3:6]],
        [stories[6].title],
    ]
    second = pages[0].content.decode()
    assert "Used in 7 stories" in second  # the total on every page
    assert f'<link rel="canonical" href="http://testserver{url}?page=2">' in second
    assert f'rel="prev" href="{url}#used-in"' in second
    assert "(stories, page 2)" in second


def test_a_story_using_the_fact_several_times_is_counted_and_listed_once(client, page_size):
    fact = make_fact("statistic")
    twice = ExplainerFactory(published=True, title="Twice")
    add_section(twice, f"[[statistic:{fact.slug}]]\n\nAgain: [[value:{fact.slug}]] people.")
    add_section(twice, f"And in another section, [[value:{fact.slug}]].")
    use(fact, 3, start=1)

    response = client.get(fact.get_absolute_url())
    everything = listed(response) + listed(client.get(fact.get_absolute_url() + "?page=2"))

    assert "Used in 4 stories" in response.content.decode()
    assert sorted(everything) == ["Story 001", "Story 002", "Story 003", "Twice"]


@pytest.mark.parametrize("kind", KINDS)
def test_unpublished_stories_are_never_counted_or_listed(client, page_size, kind):
    fact = make_fact(kind)
    stories = use(fact, 2)
    use(fact, status="draft", start=10)
    use(fact, in_review=True, start=11)
    use(fact, scheduled=True, start=12)
    use(fact, archived=True, start=13)
    # the working copy of a published story, even with a published status and a past date
    use(fact, published=True, draft_of=stories[0], start=14)

    response = client.get(fact.get_absolute_url())

    html = response.content.decode()
    assert "Used in 2 stories" in html
    assert listed(response) == [s.title for s in stories]
    assert 'class="pager"' not in html
    assert client.get(fact.get_absolute_url() + "?page=2").status_code == 404


def test_one_story_is_one_story(client):
    fact = make_fact("quote")
    use(fact)

    assert "Used in 1 story<" in client.get(fact.get_absolute_url()).content.decode()


@pytest.mark.parametrize("page", ["0", "-2", "3", "x", "", "2.0", "02", "99999999999"])
def test_a_page_of_stories_that_does_not_exist_is_not_found(client, page_size, page):
    fact = make_fact("claim")
    use(fact, 4)  # two pages

    response = client.get(fact.get_absolute_url(), {"page": page})

    assert response.status_code == 404
    assert "We can’t find that page" in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_fact_page_query_count_does_not_grow_with_the_stories_using_it(
    client, page_size, kind, django_assert_max_num_queries
):
    fact = make_fact(kind)
    use(fact, 3)
    url = fact.get_absolute_url()
    few = client.get(url)
    use(fact, 27, start=3)

    for page in ("1", "4", "10"):
        # the block with its relations, its values or sources (not quotes), a claim's rating
        # history, its public notes, the count of published stories, the page of stories
        # +1 on every page: the masthead's topics (kept in the cache when the page cache is on)
        with django_assert_max_num_queries({"quote": 5, "statistic": 6, "claim": 7}[kind]):
            response = client.get(url, {"page": page})
        assert response.status_code == 200
    assert few.context["used_in"].paginator.count == 3
    assert response.context["used_in"].paginator.count == 30
    assert len(listed(response)) == 3
