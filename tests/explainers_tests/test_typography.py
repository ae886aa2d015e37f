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


def test_no_page_of_the_demo_sets_a_straight_apostrophe_beside_curly_ones(client):
    """The words readers read on every public page of both demo stories, their facts, topics
    and sources, and search: apostrophes are curly (code and form fields aside)."""
    import re

    from django.core.management import call_command

    from claims.models import Claim, Quote, Source, Statistic
    from explainers.models import Explainer, Topic

    call_command("load_stories", verbosity=0)
    urls = ["/", "/search/?q=boats", "/search/?q=nothing-like-this"]
    urls += [story.get_absolute_url() for story in Explainer.objects.published()]
    for model in (Topic, Quote, Statistic, Claim, Source):
        urls += [obj.get_absolute_url() for obj in model.objects.all()]
    straight = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = re.sub(
            r"(?s)<(script|style|code|pre|textarea|head)\b[^>]*>.*?</\1>", " ", response.text
        )
        text = re.sub(r"<[^>]+>", " ", html)
        straight += [(url, m.group(0)) for m in re.finditer(r".{0,20}\w'\w.{0,20}", text)]
    assert len(urls) > 20
    assert straight == []
