import datetime

import pytest
from django.core.exceptions import ValidationError

from explainers.blocks import compile_body
from explainers.models import SectionBlock
from tests.factories import ExplainerFactory, MediaFactory, StatisticFactory, add_section

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_markdown_is_rendered_and_sanitised():
    compiled = compile_body(
        "Hello **world**.\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) [ok](https://example.org)"
    )
    assert "<strong>world</strong>" in compiled.html
    assert "<script" not in compiled.html
    assert 'href="javascript' not in compiled.html  # left as harmless text, never a link
    assert 'href="https://example.org"' in compiled.html
    assert 'rel="noopener noreferrer"' in compiled.html


def test_ordered_list_is_kept():
    compiled = compile_body("At its heart:\n\n1. One\n2. Two\n3. Three\n4. Four")
    assert compiled.html.count("<li>") == 4
    assert "<ol>" in compiled.html


def test_card_token_becomes_a_block_marker(statistic, quote):
    compiled = compile_body(
        f"Before.\n[[quote:{quote.slug}]]\nAfter [[value:{statistic.slug}]] people."
    )
    assert compiled.html.count("<!--block:") == 2
    assert "<p><!--block:0--></p>" not in compiled.html  # a card is not wrapped in a paragraph
    assert [(pos, fields["kind"]) for pos, fields in compiled.blocks] == [
        (0, "quote"),
        (1, "value"),
    ]
    assert compiled.blocks[0][1]["quote"] == quote
    assert "After <!--block:1--> people." in compiled.html


def test_unknown_reference_is_refused_with_its_name_and_a_suggestion(statistic):
    with pytest.raises(ValidationError) as error:
        compile_body("[[statistic:small-boat-crosings]]")
    assert "small-boat-crosings" in messages(error.value)
    assert "Did you mean “small-boat-crossings”?" in messages(error.value)


def test_every_bad_reference_is_reported_at_once(statistic):
    with pytest.raises(ValidationError) as error:
        compile_body("[[quote:nobody]]\n\n[[claim:nothing]]\n\n[[qoute:typo]]")
    text = messages(error.value)
    assert "nobody" in text and "nothing" in text and "qoute" in text
    assert len(error.value.messages) == 3


def test_card_inside_a_sentence_is_refused(quote):
    with pytest.raises(ValidationError) as error:
        compile_body(f"As he said [[quote:{quote.slug}]] yesterday.")
    assert "line of its own" in messages(error.value)
    assert "[[said:" in messages(error.value)


def test_only_statistics_can_be_pinned(quote):
    with pytest.raises(ValidationError) as error:
        compile_body(f"[[quote:{quote.slug}@2025-01-01]]")
    assert "only statistics can be pinned" in messages(error.value)


def test_pin_needs_a_real_date(statistic):
    with pytest.raises(ValidationError) as error:
        compile_body(f"[[statistic:{statistic.slug}@11-08-2025]]")
    assert "YYYY-MM-DD" in messages(error.value)


def test_pin_resolves_to_the_value_current_on_that_date():
    stat = StatisticFactory(
        values=[(100, datetime.date(2025, 1, 1)), (200, datetime.date(2025, 6, 1))]
    )
    compiled = compile_body(f"[[statistic:{stat.slug}@2025-03-15]]")
    assert compiled.blocks[0][1]["pinned_value"].value == 100


def test_pin_before_the_first_value_is_refused():
    stat = StatisticFactory(values=[(100, datetime.date(2025, 1, 1))])
    with pytest.raises(ValidationError) as error:
        compile_body(f"[[statistic:{stat.slug}@2024-03-15]]")
    assert "no value on or before 15 March 2024" in messages(error.value)


def test_statistic_without_any_value_cannot_be_placed():
    stat = StatisticFactory(values=[])
    with pytest.raises(ValidationError) as error:
        compile_body(f"[[value:{stat.slug}]]")
    assert "has no value yet" in messages(error.value)


def test_top_level_headings_are_refused():
    with pytest.raises(ValidationError) as error:
        compile_body("## A heading that would break the outline")
    assert "###" in messages(error.value)
    assert "<h3>Fine</h3>" in compile_body("### Fine").html


def test_editor_cannot_forge_a_block_marker():
    compiled = compile_body("<!--block:0--> \ue0000\ue001")
    assert "<!--block:" not in compiled.html
    assert compiled.blocks == []


def test_lookups_take_one_query_per_kind(django_assert_num_queries, statistic, quote, claim):
    media = MediaFactory()
    body = "\n\n".join(
        [
            f"[[quote:{quote.slug}]]",
            f"[[statistic:{statistic.slug}]]",
            f"[[claim:{claim.slug}]]",
            f"[[media:{media.slug}]]",
        ]
        * 10
    )
    # quotes, statistics + their values, claims, media
    with django_assert_num_queries(5):
        compiled = compile_body(body)
    assert len(compiled.blocks) == 40


def test_writing_blocks_builds_the_usage_index(statistic, quote):
    explainer = ExplainerFactory()
    section = add_section(
        explainer, f"[[quote:{quote.slug}]]\n\nSome [[value:{statistic.slug}]] text."
    )
    assert list(quote.section_blocks.values_list("section", flat=True)) == [section.pk]
    assert statistic.section_blocks.get().kind == SectionBlock.Kind.VALUE


def test_saving_unchanged_text_does_not_rewrite_usage_rows(statistic):
    explainer = ExplainerFactory()
    section = add_section(explainer, f"[[statistic:{statistic.slug}]]")
    before = list(section.blocks.values_list("pk", flat=True))
    section.write_blocks(compile_body(section.body).blocks)
    assert list(section.blocks.values_list("pk", flat=True)) == before


def test_a_lenient_compile_shows_each_bad_token_where_it_stands_escaped():
    body = (
        "Before [[said:<script>alert(1)</script>]] after.\n\n"
        "[[quote:no-such-quote]]\n\n"
        "[[statistic:x]] inline card"
    )

    compiled = compile_body(body, lenient=True)

    assert "<script>" not in compiled.html
    assert compiled.html.startswith('<p>Before <mark class="token-error" role="note">')
    assert "&lt;script&gt;" in compiled.html and "after.</p>" in compiled.html
    assert '<p class="token-error" role="note">[[quote:no-such-quote]]: there is no quote' in (
        compiled.html
    )
    # four: the inline card [[statistic:x]] is misplaced and names no statistic either
    assert len(compiled.errors) == 4 and compiled.blocks == []
    with pytest.raises(ValidationError):
        compile_body(body)  # a save is still refused
