"""``{% load cards %}``: fact cards and inline facts, built by claims.cards."""

from django import template

from claims import cards

register = template.Library()


@register.simple_tag
def quote_card(quote, on_fact_page=False):
    return cards.quote_card(quote, on_fact_page=on_fact_page)


@register.simple_tag
def statistic_card(statistic, value, newer=None, on_fact_page=False):
    return cards.statistic_card(statistic, value, newer=newer, on_fact_page=on_fact_page)


@register.simple_tag
def claim_card(claim, on_fact_page=False):
    return cards.claim_card(claim, on_fact_page=on_fact_page)
