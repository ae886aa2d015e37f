import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsroom.search import clean_query, highlight_plain, plain_text
from tests.factories import ExplainerFactory, QuoteFactory, StatisticFactory, add_section

pytestmark = pytest.mark.django_db

URL = reverse("search")


def search(client, q):
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_finds_published_explainers_by_title_standfirst_and_section_text(client):
    by_title = ExplainerFactory(published=True, title="Why asylum hotels are closing")
    by_text = ExplainerFactory(published=True, title="Another story")
    add_section(
        by_text, "The Home Office says asylum claims rose sharply.", heading="What changed?"
    )
    ExplainerFactory(published=True, title="Unrelated piece")
    html = search(client, "asylum")
    assert by_title.title in html and by_text.title in html
    assert "Unrelated piece" not in html
    assert html.index(by_title.title) < html.index(by_text.title)  # headline outranks body


def test_finds_public_quotes_and_statistics(client):
    quote = QuoteFactory(text="We will stop the boats this year.")
    statistic = StatisticFactory(label="Boats arriving this year")
    story = ExplainerFactory(published=True, title="Story")
    add_section(story, f"[[quote:{quote.slug}]]\n\n[[statistic:{statistic.slug}]]")
    html = search(client, "boats")
    assert quote.get_absolute_url() in html
    assert statistic.get_absolute_url() in html


def test_unpublished_stories_and_their_facts_are_never_found(client):
    draft = ExplainerFactory(title="Secret draft about boats")
    quote = QuoteFactory(text="Boats quote nobody may see yet")
    add_section(draft, f"Boats text.\n\n[[quote:{quote.slug}]]")
    html = search(client, "boats")
    assert "Secret draft" not in html and quote.get_absolute_url() not in html
    assert "Nothing found" in html


def test_snippets_highlight_matches_and_escape_the_text(client):
    story = ExplainerFactory(
        published=True, title="Tax story", standfirst="The <b>budget</b> & the tax on pensions."
    )
    html = search(client, "pensions")
    assert story.title in html
    assert "<mark>pensions</mark>" in html or "<mark>pension" in html
    # The standfirst's markup is escaped (SQLite) or dropped by ts_headline (PostgreSQL).
    assert "<b>budget</b>" not in html and "&amp; the tax" in html


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "x" * 5000,
        "boats " * 400,
        "' OR 1=1; DROP TABLE explainers_explainer; --",
        "<script>alert(1)</script>",
        '"unclosed',
        "a & | ! ( ) : * <-> ''",
        "\x00\x01 nul bytes",
        "🙂 émigré naïve",
        "-",
        "or",
    ],
)
def test_empty_long_and_hostile_queries_get_a_calm_page(client, q):
    ExplainerFactory(published=True, title="Boats")
    html = search(client, q)
    assert "<script>alert(1)</script>" not in html
    assert 'class="page search-page"' in html


def test_very_long_query_is_cut_and_says_so(client):
    html = search(client, "boats " * 100)
    assert "first 200 characters" in html


def test_query_count_does_not_grow_with_the_archive(client):
    def build(n):
        for i in range(n):
            story = ExplainerFactory(published=True, title=f"Boats story {i}")
            quote = QuoteFactory(text=f"Boats are coming {i}")
            statistic = StatisticFactory(label=f"Boats counted {i}")
            add_section(story, f"Boats. [[value:{statistic.slug}]]\n\n[[quote:{quote.slug}]]")

    build(2)
    with CaptureQueriesContext(connection) as few:
        search(client, "boats")
    build(25)
    with CaptureQueriesContext(connection) as many:
        search(client, "boats")
    # explainers (+ their topics), quotes+speakers, statistics+sources (+ their values);
    # on SQLite one more for the matching sections' snippets
    assert len(few) == len(many)
    assert len(many) <= 7


def test_clean_query_strips_control_characters_and_limits_length():
    assert clean_query("a\x00b\tc") == ("a b c", False)
    text, truncated = clean_query("word " * 100)
    assert truncated and len(text) <= 200


def test_plain_text_drops_block_tokens_and_markdown():
    assert plain_text("Home Office data shows [[value:x]] **people** [here](https://x)") == (
        "Home Office data shows … people here"
    )


def test_fallback_snippet_escapes_and_marks():
    assert (
        highlight_plain("a <i>boat</i> b", ["boat"]) == "a &lt;i&gt;<mark>boat</mark>&lt;/i&gt; b"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes exist on PostgreSQL")
def test_search_uses_the_gin_indexes():
    from django.contrib.postgres.search import SearchQuery

    from explainers.models import Explainer, Section
    from newsroom.search import CONFIG, explainer_vector, section_vector

    query = SearchQuery("boats", search_type="websearch", config=CONFIG)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for queryset, index in [
            (
                Explainer.objects.annotate(d=explainer_vector()).filter(d=query),
                "explainer_search_idx",
            ),
            (Section.objects.annotate(d=section_vector()).filter(d=query), "section_search_idx"),
        ]:
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan, plan
