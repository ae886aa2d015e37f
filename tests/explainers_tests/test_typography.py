"""Curly quotes in the prose readers see; straight ones wherever the text is code or an address."""

import pytest

from explainers.blocks import compile_body
from tests.factories import QuoteFactory

pytestmark = pytest.mark.django_db


def test_prose_gets_curly_quotes_and_apostrophes():
    html = compile_body("It's what he called \"a 'deal' for peace\".").html

    assert html == "<p>It’s what he called “a ‘deal’ for peace”.</p>"


def test_code_and_link_addresses_keep_their_straight_quotes():
    html = compile_body(
        'Run `it\'s "on"` or see [the "plan"](https://example.org/it\'s?q="x").\n\n'
        "    print('as typed')"
    ).html

    assert '<code>it\'s "on"</code>' in html
    assert 'href="https://example.org/it\'s?q=%22x%22"' in html
    assert ">the “plan”</a>" in html
    assert "print('as typed')" in html


def test_only_quotes_are_replaced_never_other_symbols():
    html = compile_body("Under section 2(c) -- and (tm) -- nothing else changes...").html

    assert "2(c) -- and (tm) -- nothing else changes..." in html


def test_tokens_beside_quotes_still_name_their_blocks():
    quote = QuoteFactory(slug="we-dont-scapegoat")

    compiled = compile_body(f'He said "[[said:{quote.slug}]]" on the day.')

    assert compiled.blocks and compiled.blocks[0][1]["quote"] == quote
    assert "“<!--block:0-->”" in compiled.html
