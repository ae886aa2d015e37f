"""The revision comparison as editors read it: rendered words side by side, word-level marks,
fact tokens by name, form labels, sections matched by identity and moves shown as moves."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from explainers import publishing
from explainers.models import Revision
from explainers.revisions import revision_diff
from tests import factories

pytestmark = pytest.mark.django_db

LONG = (
    "Crossings of the Channel in small boats rose through the summer as calm weather held "
    "and the smugglers' boats grew larger, carrying more people on each trip than before."
)


@pytest.fixture
def story():
    return factories.ExplainerFactory(title="Small boats", slug="small-boats", authors=[])


def content(story, **changes):
    """A revision's content as ``publishing.snapshot`` stores it."""
    base = publishing.snapshot(story)
    base["sections"] = [{"heading": "What happened?", "body": LONG}]
    return {**base, **changes}


def record(story, number, content, *, by=None, when=None):
    return Revision.objects.create(
        explainer=story,
        number=number,
        action=Revision.Action.EDITED,
        created_by=by,
        created_at=when or timezone.now(),
        content=content,
    )


def compared(story, old, new):
    return revision_diff(record(story, 1, old), record(story, 2, new))


def rows_of(comparison):
    return {row.label: row for row in comparison.rows}


def marked(html, tag):
    return re.findall(rf"<{tag}>(.*?)</{tag}>", str(html))


def sections(*pairs):
    return [{"heading": heading, "body": body} for heading, body in pairs]


def revisions_url(explainer):
    return reverse("admin:explainers_explainer_revisions", args=[explainer.pk])


# Words ------------------------------------------------------------------------------------------


def test_one_word_changed_in_a_long_paragraph_marks_only_that_word(story):
    new_body = LONG.replace("summer", "autumn")

    row = rows_of(
        compared(
            story,
            content(story),
            content(story, sections=sections(("What happened?", new_body))),
        )
    )["Section 1"]

    assert marked(row.old, "del") == ["summer"]
    assert marked(row.new, "ins") == ["autumn"]
    assert "<ins>" not in row.old and "<del>" not in row.new
    assert "Crossings of the Channel in small boats rose through the" in row.new  # not cut


def test_a_changed_phrase_is_marked_as_one_run_of_whole_words(story):
    new = content(story, standfirst="The number of people crossing fell sharply this year.")
    old = content(story, standfirst="The number of people crossing rose a little this year.")

    row = rows_of(compared(story, old, new))["Standfirst"]

    assert marked(row.old, "del") == ["rose a little"]
    assert marked(row.new, "ins") == ["fell sharply"]


def test_markdown_is_shown_as_the_words_readers_see(story):
    body = (
        "Most arrivals are **young men**, says [the Home Office](https://example.org/ho).\n\n"
        "### Where from?\n\n"
        "- Afghanistan\n- Iran\n\n"
        "Second paragraph."
    )
    new = content(story, sections=sections(("What happened?", body)))

    html = str(rows_of(compared(story, content(story), new))["Section 1"].new)

    assert "**" not in html and "](" not in html and "###" not in html and "https" not in html
    assert "young men" in html and "the Home Office" in html
    assert '<p class="rc-text rc-text--heading"><ins>Where from?</ins></p>' in html
    assert "<ins>• Afghanistan</ins>" in html and "<ins>• Iran</ins>" in html
    assert html.count("<p ") == 6  # heading, paragraph, sub-heading, two items, paragraph


def test_a_fact_token_is_shown_by_its_label_from_one_query_per_kind(story, statistic, quote):
    body = (
        "Arrivals reached [[value:small-boat-crossings@2025-08-11]] last year.\n\n"
        "[[statistic:small-boat-crossings]]\n\n"
        f"[[quote:{quote.slug}]]\n\n"
        "[[claim:no-longer-there]]"
    )
    new = content(story, sections=sections(("What happened?", body)))

    html = str(rows_of(compared(story, content(story), new))["Section 1"].new)

    assert "[[" not in html
    assert "[Figure: Small-boat crossings, as of 11 Aug 2025]" in html
    assert "<ins>[Statistic: Small-boat crossings]</ins>" in html
    assert f"[Quote: {quote.speaker.name}, “" in html
    assert "[Claim: no-longer-there]" in html  # a fact deleted since: its slug


def test_a_retitled_fact_changes_its_whole_label_never_half_of_it(story, statistic):
    old = content(
        story, sections=sections(("What happened?", "[[statistic:small-boat-crossings]]"))
    )
    new = content(story, sections=sections(("What happened?", "[[statistic:returns]]")))

    row = rows_of(compared(story, old, new))["Section 1"]

    assert marked(row.old, "del") == ["[Statistic: Small-boat crossings]"]
    assert marked(row.new, "ins") == ["[Statistic: returns]"]


def test_text_typed_as_html_is_escaped(story, editor_client):
    publishing.record_revision(story, action=Revision.Action.CREATED, by=None)
    record(
        story,
        2,
        content(
            story,
            title="<b>Bold</b> title",
            sections=sections(("Why?", "<script>alert(1)</script>")),
        ),
    )

    response = editor_client.get(revisions_url(story), {"a": 1, "b": 2})

    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<b>Bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


# Fields ----------------------------------------------------------------------------------------


def test_fields_carry_the_labels_the_story_form_shows(story):
    new = content(story, seo_title="Channel crossings explained", figures="live")

    comparison = compared(story, content(story), new)

    changed = [row.label for row in comparison.changed_rows]
    assert changed == ["Figures in the text", "SEO title"]
    assert "Seo title" not in [row.label for row in comparison.rows]
    figures = rows_of(comparison)["Figures in the text"]
    assert marked(figures.new, "ins") == ["Live: the newest value"]
    assert marked(figures.old, "del") == [
        "As the kind says: pinned for analysis and news, live for explainers"
    ]


def test_authors_topics_and_hero_are_shown_by_name(story):
    ann = factories.AuthorFactory(name="Ann Reporter", slug="ann")
    topic = factories.TopicFactory(name="Migration", slug="migration")
    photo = factories.MediaFactory(slug="dover", caption="Boats at Dover")
    new = content(story, authors=["ann"], topics=["migration"], hero="dover")

    rows = rows_of(compared(story, content(story), new))

    assert marked(rows["Authors"].new, "ins") == [ann.name]
    assert marked(rows["Topics"].new, "ins") == [topic.name]
    assert marked(rows["Hero"].new, "ins") == [str(photo)]


def test_unchanged_fields_and_sections_are_collapsed_into_a_count(story, editor_client):
    publishing.record_revision(story, action=Revision.Action.CREATED, by=None)
    old = Revision.objects.get(explainer=story).content
    record(story, 2, {**old, "title": "A new headline"})

    response = editor_client.get(revisions_url(story), {"a": 1, "b": 2})

    comparison = response.context["diff"]
    assert [row.label for row in comparison.changed_rows] == ["Headline"]
    page = response.content.decode()
    assert "13 fields unchanged" in page
    assert page.count('class="rc-row ') == 1  # only the headline is shown side by side


# Sections --------------------------------------------------------------------------------------

FOUR = [
    ("What happened?", "Boats crossed the Channel in record numbers during the summer."),
    ("Who is crossing?", "Mostly young men from Afghanistan, Iran and Eritrea travel alone."),
    ("Why now?", "Calm weather and larger boats made more crossings possible this year."),
    ("What next?", "The government promises new returns agreements with France and others."),
]


def test_a_moved_section_is_reported_as_a_move_not_removed_and_added(story):
    old = content(story, sections=sections(*FOUR))
    new = content(story, sections=sections(FOUR[0], FOUR[2], FOUR[3], FOUR[1]))

    comparison = compared(story, old, new)

    changed = comparison.changed_rows
    assert [(row.label, row.status, row.notes) for row in changed] == [
        ("Section 4", "moved", ["Moved from section 2 to section 4"])
    ]
    assert "<del>" not in changed[0].old and "<ins>" not in changed[0].new
    assert comparison.unchanged_summary == "14 fields and 3 sections unchanged"


def test_a_moved_and_edited_section_shows_the_move_and_its_word_changes(story):
    edited = (FOUR[1][0], FOUR[1][1].replace("alone", "in groups"))
    old = content(story, sections=sections(*FOUR))
    new = content(story, sections=sections(edited, FOUR[0], FOUR[2], FOUR[3]))

    moved = compared(story, old, new).changed_rows

    assert [(row.label, row.notes) for row in moved] == [
        ("Section 1", ["Moved from section 2 to section 1"])
    ]
    assert marked(moved[0].old, "del") == ["alone."]  # a word keeps its punctuation
    assert marked(moved[0].new, "ins") == ["in groups."]


def test_a_section_with_a_new_heading_is_matched_by_its_text(story):
    renamed = ("Why are there more crossings now?", FOUR[2][1])
    old = content(story, sections=sections(*FOUR))
    new = content(story, sections=sections(FOUR[0], FOUR[1], renamed, FOUR[3]))

    changed = compared(story, old, new).changed_rows

    assert [(row.label, row.status) for row in changed] == [("Section 3", "changed")]
    assert marked(changed[0].new, "ins") == ["are there more crossings"]  # "Why now?" kept


def test_removed_and_added_sections_stand_where_they_were(story):
    added = ("How many drowned?", "At least seventy people died trying to cross this year.")
    old = content(story, sections=sections(*FOUR))
    new = content(story, sections=sections(FOUR[0], FOUR[2], added, FOUR[3]))

    comparison = compared(story, old, new)

    assert [(row.label, row.status) for row in comparison.rows if row.status != "same"] == [
        ("Removed section (was section 2)", "removed"),
        ("Section 3", "added"),
    ]
    labels = [row.label for row in comparison.rows[-5:]]
    assert labels == [
        "Section 1",
        "Removed section (was section 2)",
        "Section 2",
        "Section 3",
        "Section 4",
    ]
    removed = rows_of(comparison)["Removed section (was section 2)"]
    assert "Not in revision 2" in removed.new
    assert marked(removed.old, "del") == [FOUR[1][0], FOUR[1][1]]  # heading, paragraph


# The page --------------------------------------------------------------------------------------


def test_the_columns_are_headed_by_revision_date_and_editor(story, editor_client, role_editor):
    when = timezone.make_aware(datetime.datetime(2026, 11, 12, 14, 2))
    record(story, 1, content(story), when=when - datetime.timedelta(days=1))
    record(story, 2, content(story, title="Changed"), by=role_editor, when=when)

    response = editor_client.get(revisions_url(story), {"a": 2, "b": 1})  # picked newest first

    page = response.content.decode()
    assert "Revision 2 · Edited · 12 Nov 2026 14:02 · Edna Editor" in page
    assert "Revision 1 · Edited · 11 Nov 2026 14:02 · the system" in page
    assert page.index("Revision 1 · Edited") < page.index("Revision 2 · Edited")  # older left


def story_with_revisions(size):
    """Two revisions of a story with ``size`` sections, each naming a fact of every kind."""
    story = factories.ExplainerFactory(
        authors=[factories.AuthorFactory() for _ in range(size)],
        topics=[factories.TopicFactory() for _ in range(size)],
        hero=factories.MediaFactory(),
    )
    bodies = []
    for n in range(size):
        statistic = factories.StatisticFactory()
        quote, claim, media = (
            factories.QuoteFactory(),
            factories.ClaimFactory(),
            factories.MediaFactory(),
        )
        bodies.append(
            f"Paragraph {n} has [[value:{statistic.slug}]] and [[said:{quote.slug}]].\n\n"
            f"[[statistic:{statistic.slug}@2025-08-11]]\n\n[[quote:{quote.slug}]]\n\n"
            f"[[claim:{claim.slug}]]\n\n[[media:{media.slug}]]"
        )
    old = publishing.snapshot(story)
    old["sections"] = sections(*[(f"Question {n}?", body) for n, body in enumerate(bodies)])
    new = {**old, "title": "New headline"}
    new["sections"] = sections(
        *[(f"Question {n}?", body + "\n\nMore words.") for n, body in enumerate(bodies)]
    )
    record(story, 1, old)
    record(story, 2, new, by=factories.UserFactory())
    return story


def measure(client, url):
    client.get(url, {"a": 1, "b": 2})  # warm the content type and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"a": 1, "b": 2})
    assert response.status_code == 200
    return len(queries)


# 1 session, 1 user, 1 the story, 2 permissions (user, group), 2 the two revisions compared
# (each with its editor), 6 one query per model the revisions name: authors, topics, media
# (hero and media tokens together), statistics, quotes with their speakers, claims; 1 the
# revisions listed with their editors. Nothing per section, token, author or topic.
COMPARE_PAGE_MAX = 14


def test_comparison_page_query_count_does_not_grow_with_sections_and_tokens(
    editor_client, django_assert_max_num_queries
):
    small, large = story_with_revisions(1), story_with_revisions(20)

    with django_assert_max_num_queries(COMPARE_PAGE_MAX):
        editor_client.get(revisions_url(large), {"a": 1, "b": 2})
    assert measure(editor_client, revisions_url(large)) == measure(
        editor_client, revisions_url(small)
    )
