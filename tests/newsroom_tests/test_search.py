import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from explainers.models import Explainer
from newsroom import search as site_search
from newsroom.search import clean_query, highlight_plain, plain_text
from tests.factories import (
    ExplainerFactory,
    QuoteFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
)

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


FILLER = " ".join(f"Paragraph words number {n} say nothing in particular." for n in range(40))


def snippet_of(story, q):
    hits = [hit for hit in site_search.search(q).explainers if hit.obj == story]
    assert hits, f"{story.title} not found for {q!r}"
    return str(hits[0].snippet)


def test_snippet_is_the_passage_that_matched_from_the_middle_of_a_long_section():
    story = ExplainerFactory(published=True, title="Energy", standfirst="What it costs.")
    add_section(story, "The opening paragraph talks about prices.")
    add_section(
        story,
        f"{FILLER}\n\nThe turbine contract went to a firm in Hull.\n\n{FILLER}",
        heading="Who builds it?",
    )
    snippet = snippet_of(story, "turbine")
    assert "<mark>turbine</mark>" in snippet
    assert "firm in Hull" in snippet
    assert "opening paragraph" not in snippet and "What it costs" not in snippet
    assert snippet.startswith("…") and snippet.endswith("…")  # cut from the middle
    assert len(snippet.split()) < 60


def test_every_matched_word_of_the_query_is_highlighted():
    story = ExplainerFactory(published=True, title="Rail", standfirst="About trains.")
    add_section(story, f"{FILLER}\n\nThe ferry and the harbour both closed at noon.")
    snippet = snippet_of(story, "harbour ferry")
    assert "<mark>ferry</mark>" in snippet and "<mark>harbour</mark>" in snippet


def test_a_story_is_found_by_the_words_of_a_quote_it_places_shown_where_readers_see_them():
    quote = QuoteFactory(text="We will build an island of strangers no more.")
    story = ExplainerFactory(published=True, title="Speech", standfirst="What he said.")
    add_section(story, "The opening paragraph.")
    add_section(story, f"He spoke at length.\n\n[[quote:{quote.slug}]]\n\nThen he left.")
    snippet = snippet_of(story, "strangers")
    assert "<mark>strangers</mark>" in snippet and "island of" in snippet
    assert quote.speaker.name in snippet  # a quote card shows who said it
    assert "[[" not in snippet and quote.slug not in snippet


def test_inline_figures_and_quoted_words_read_as_readers_see_them():
    statistic = StatisticFactory(label="Crossings")
    quote = QuoteFactory(text="stop the boats")
    story = ExplainerFactory(published=True, title="Boats", standfirst="Numbers.")
    add_section(
        story,
        f"Arrivals reached [[value:{statistic.slug}]], and he vowed to [[said:{quote.slug}]] "
        "by *summer*, the **minister** said.",
    )
    snippet = snippet_of(story, "minister")
    shown = statistic.current.display
    assert f"reached {shown}, and he vowed to “stop the boats” by summer, the" in snippet
    assert "<mark>minister</mark>" in snippet
    assert not re.search(r"\[\[|\]\]|\*|slug", snippet)


MARKDOWN_OR_TOKENS = re.compile(r"\[\[|\]\]|\*\*|\]\(|(^|\s)#{1,6}\s|<!--|\bblock:\d")


def test_no_snippet_of_the_seed_stories_shows_a_token_or_markdown():
    """Property over the two demo stories: search every longer word of their section bodies as
    typed (token slugs included, "lancaster" of [[value:lancaster-house-summit-leaders]]
    among them) and check every snippet."""
    call_command("load_stories", verbosity=0)
    stories = list(Explainer.objects.published().prefetch_related("sections"))
    assert len(stories) == 2
    words = sorted(
        {
            word.lower()
            for story in stories
            for section in story.sections.all()
            for word in re.findall(r"[A-Za-z]{6,}", section.body)
        }
    )
    checked = 0
    for word in ["lancaster", "statistic", "summit", *words[::3]]:
        results = site_search.search(word)
        for hit in results.explainers + results.quotes + results.statistics:
            text = str(hit.snippet)
            assert not MARKDOWN_OR_TOKENS.search(text), (word, text)
            assert not re.search(r"<(?!/?mark>)", text), (word, text)  # only <mark> is markup
            checked += 1
    assert checked > 50
    # The summit's figure is found by the words readers read around it: "19 leaders gathered".
    summit = next(s for s in stories if any("Lancaster" in x.body for x in s.sections.all()))
    snippet = snippet_of(summit, "lancaster")
    assert "<mark>Lancaster</mark>" in snippet and "19 leaders" in snippet


def test_results_show_kind_date_and_topics(client):
    topic = TopicFactory(name="Immigration", slug="immigration")
    story = ExplainerFactory(
        published=True, title="Visa rules", kind=Explainer.Kind.ANALYSIS, topics=[topic]
    )
    html = search(client, "visa")
    result = html[html.index('<li class="search-result">') :]
    result = result[: result.index("</li>")]
    assert "Analysis" in result
    assert f'<a href="{topic.get_absolute_url()}">Immigration</a>' in result
    assert f'datetime="{story.published_at.isoformat()}"' in result
    assert story.published_at.strftime("%-d %B %Y") in result


def test_a_search_with_no_results_suggests_published_topics_closest_first(client):
    for name in ["Immigration", "Economy", "Defence"]:
        topic = TopicFactory(name=name, slug=name.lower())
        ExplainerFactory(published=True, title=f"About {name}", topics=[topic])
    hidden = TopicFactory(name="Immigrants' stories", slug="immigrants")
    ExplainerFactory(title="Draft", topics=[hidden])
    html = search(client, "immigrashun")
    assert "Nothing found" in html
    topics = html[html.index('id="results-topics"') :]
    assert "Immigration" in topics and hidden.name not in topics
    assert "Economy" not in topics  # the close one, not all of them
    html = search(client, "zzzqqq")
    topics = html[html.index('id="results-topics"') :]
    assert all(name in topics for name in ["Immigration", "Economy", "Defence"])  # the biggest


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


@pytest.mark.parametrize("odd", ['"', "a & | ! ( ) : * <-> ''", "-", "or", "\\", ":*"])
def test_hostile_input_beside_a_word_that_matches_still_finds_the_story(client, odd):
    """The snippet's query runs with the odd input too (a query matching nothing stops early)."""
    ExplainerFactory(published=True, title="Boats crossing")
    html = search(client, f"boats {odd}")
    assert "Boats crossing" in html


def test_a_query_that_only_excludes_finds_nothing_on_every_database(client):
    """ "-zzz" asks for no word: it finds nothing (on PostgreSQL it had ranked every story)."""
    ExplainerFactory(published=True, title="Boats crossing")
    html = search(client, "-zzz")
    assert "Boats crossing" not in html
    assert 'class="page search-page"' in html


def test_very_long_query_is_cut_and_says_so(client):
    html = search(client, "boats " * 100)
    assert "first 200 characters" in html


def test_query_count_does_not_grow_with_the_archive(client):
    def build(n):
        for i in range(n):
            topic = TopicFactory()
            story = ExplainerFactory(published=True, title=f"Boats story {i}", topics=[topic])
            quote = QuoteFactory(text=f"Boats are coming {i}")
            statistic = StatisticFactory(label=f"Boats counted {i}")
            add_section(story, f"Boats. [[value:{statistic.slug}]]\n\n[[quote:{quote.slug}]]")
            add_section(story, f"More boats.\n\n[[statistic:{statistic.slug}]]", heading="Why?")

    build(1)
    with CaptureQueriesContext(connection) as few:
        search(client, "boats")
    build(29)
    with CaptureQueriesContext(connection) as many:
        html = search(client, "boats")
    assert html.count('class="search-result"') > 20  # stories, quotes and figures
    # stories (ranked) + their topics; their sections + blocks with their facts + the
    # statistics' values; on PostgreSQL one query choosing and cutting every passage;
    # quotes+speakers; statistics+sources + their values
    assert len(few) == len(many), [q["sql"][:80] for q in many.captured_queries]
    assert len(many) <= 10


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


ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored document exists on PostgreSQL only"
)


def stored_document(story) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM explainers_explainer WHERE id = %s", [story.pk]
        )
        return cursor.fetchone()[0]


@ON_POSTGRES
def test_the_stored_document_follows_the_story_and_its_sections():
    story = ExplainerFactory(published=True, title="Harbour plans", standfirst="Ferries.")
    assert "'harbour':1A" in stored_document(story)
    section = add_section(story, "The **lighthouse** keeper.", heading="Who decides?")
    document = stored_document(story)
    assert "'lighthous'" in document and "'decid'" in document
    assert "strong" not in document  # the compiled HTML's tags are not words
    section.body, section.body_html = "A windmill.", "<p>A windmill.</p>"
    section.save()
    assert "'windmil'" in stored_document(story)
    assert "'lighthous'" not in stored_document(story)
    story.title = "Airport plans"
    story.save()
    assert "'airport':1A" in stored_document(story) and "'windmil'" in stored_document(story)
    section.delete()
    assert "'windmil'" not in stored_document(story)


@ON_POSTGRES
def test_stories_are_found_and_ranked_through_the_stored_document_and_its_index():
    from django.contrib.postgres.search import SearchQuery

    from newsroom.search import CONFIG, StoryDocument

    query = SearchQuery("boats", search_type="websearch", config=CONFIG)
    queryset = Explainer.objects.alias(d=StoryDocument()).filter(d=query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "explainer_document_idx" in plan, plan
    assert "to_tsvector" not in plan  # nothing is recomputed per story


@ON_POSTGRES
def test_the_story_search_reads_the_stored_document_not_the_sections():
    story = ExplainerFactory(published=True, title="Boats")
    add_section(story, "Boats.")
    with CaptureQueriesContext(connection) as queries:
        site_search.search("boats")
    ranking = queries.captured_queries[0]["sql"]
    assert '"explainers_explainer".search_vector @@' in ranking
    # no story's or section's text is turned into a vector while searching
    assert 'COALESCE("explainers_section"' not in ranking
    assert 'COALESCE("explainers_explainer"' not in ranking
