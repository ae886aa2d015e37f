"""Source pages: the first few public figures, quotes and claims of a source, and the totals."""

import pytest

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


@pytest.fixture
def list_size(monkeypatch):
    monkeypatch.setattr(views, "SOURCE_LIST_SIZE", 3)
    return 3


def facts_of(source, count, *, start=0):
    """``count`` statistics, quotes and claims citing ``source``."""
    made = {"statistic": [], "quote": [], "claim": []}
    for n in range(start, start + count):
        made["statistic"].append(StatisticFactory(source=source, label=f"Figure {n:03}"))
        made["quote"].append(QuoteFactory(source=source))
        claim = ClaimFactory(text=f"Claim {n:03}")
        claim.sources.add(source)
        made["claim"].append(claim)
    return made


def publish_story_using(*facts, **story):
    story.setdefault("published", True)
    explainer = ExplainerFactory(**story)
    add_section(explainer, "\n\n".join(f"[[{f.token_kind}:{f.slug}]]" for f in facts))
    return explainer


def test_source_page_lists_the_first_of_each_kind_with_the_totals(client, list_size):
    source = SourceFactory()
    made = facts_of(source, 5)
    publish_story_using(*(fact for facts in made.values() for fact in facts))

    response = client.get(source.get_absolute_url())

    html = response.content.decode()
    assert [s.label for s in response.context["statistics"].items] == [
        "Figure 000",
        "Figure 001",
        "Figure 002",
    ]
    assert "Figure 003" not in html
    assert len(response.context["quotes"].items) == len(response.context["claims"].items) == 3
    assert "And 2 more figures: 5 in all." in html
    assert "And 2 more quotes: 5 in all." in html
    assert "And 2 more claims: 5 in all." in html


def test_a_short_list_has_no_note(client, list_size):
    source = SourceFactory()
    made = facts_of(source, 3)
    publish_story_using(made["statistic"][0], made["quote"][0])

    html = client.get(source.get_absolute_url()).content.decode()

    assert "more figure" not in html and "more quote" not in html and "in all." not in html
    assert "Claims checked against this source" not in html  # none of its claims is public


def test_totals_count_only_facts_a_published_story_uses(client, list_size):
    source = SourceFactory()
    made = facts_of(source, 6)
    publish_story_using(*made["statistic"][:4], *made["quote"][:4], *made["claim"][:4])
    # the same facts again in a second story: still four of each
    publish_story_using(*made["statistic"][:4], *made["quote"][:4], *made["claim"][:4])
    hidden_states = [{"status": "draft"}, {"scheduled": True}, {"archived": True}]
    hidden_states.append({"in_review": True})
    for state in hidden_states:
        publish_story_using(made["statistic"][4], made["quote"][4], made["claim"][4], **state)
    # facts [5] are used by nothing at all

    response = client.get(source.get_absolute_url())

    for kind in ("statistics", "quotes", "claims"):
        assert response.context[kind].total == 4, kind
        assert response.context[kind].more == 1, kind
    html = response.content.decode()
    for fact in (made["statistic"][4], made["quote"][4], made["claim"][4]):
        assert fact.get_absolute_url() not in html


def test_source_page_query_count_does_not_grow_with_its_facts(
    client, list_size, django_assert_max_num_queries
):
    source = SourceFactory()
    made = facts_of(source, 3)
    publish_story_using(*(fact for facts in made.values() for fact in facts))
    few = client.get(source.get_absolute_url())
    made = facts_of(source, 27, start=3)
    publish_story_using(*(fact for facts in made.values() for fact in facts))

    # the source with its three totals, statistics, their values, quotes, claims
    with django_assert_max_num_queries(6):  # and the masthead's topics
        many = client.get(source.get_absolute_url())

    assert few.context["statistics"].total == 3 and many.context["statistics"].total == 30
    assert many.context["claims"].total == 30 and len(many.context["claims"].items) == 3


def test_a_source_page_is_public_exactly_when_the_source_is():
    from claims.models import Source

    by_quote, by_statistic, by_claim, draft_only, _unused = (SourceFactory() for _ in range(5))
    quote, statistic = QuoteFactory(source=by_quote), StatisticFactory(source=by_statistic)
    claim = ClaimFactory()
    claim.sources.add(by_claim)
    hidden = StatisticFactory(source=draft_only)
    add_section(
        ExplainerFactory(published=True),
        f"[[quote:{quote.slug}]]\n\n[[statistic:{statistic.slug}]]\n\n[[claim:{claim.slug}]]",
    )
    for trait in ({}, {"scheduled": True}, {"archived": True}, {"in_review": True}):
        add_section(ExplainerFactory(**trait), f"[[statistic:{hidden.slug}]]")
    public = {by_quote.pk, by_statistic.pk, by_claim.pk}
    assert set(Source.objects.public().values_list("pk", flat=True)) == public
    assert set(Source.objects.public_with_counts().values_list("pk", flat=True)) == public


@pytest.mark.parametrize("cited_as", ["a value's source", "where it was made", "verdict source"])
def test_a_source_cited_only_by_a_value_or_a_claims_origin_has_its_page(client, cited_as):
    """Every link to a source from a public fact leads to its page, which lists that fact; a
    fact in no published story makes no source public."""
    import datetime

    source = SourceFactory(publisher="Cited once")
    if cited_as == "a value's source":
        fact = StatisticFactory(values=[])
        fact.record_value(value=12, as_of=datetime.date(2025, 1, 1), source=source)
    elif cited_as == "where it was made":
        fact = ClaimFactory(made_in=source)
    else:
        fact = ClaimFactory(verdict_by="Full Fact", verdict_source=source)
    draft = publish_story_using(fact, published=False)
    assert client.get(source.get_absolute_url()).status_code == 404  # a draft's only

    draft.delete()
    publish_story_using(fact)
    response = client.get(source.get_absolute_url())

    assert response.status_code == 200
    assert fact.get_absolute_url() in response.content.decode()
