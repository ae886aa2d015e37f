"""A block placed in a story's section, as readers see it: the story page and the API's
rendered ``html`` pieces both come from here."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from claims import cards


def block_html(block) -> SafeString:
    """The card or inline fact for a section block (see claims.cards); media use their partial."""
    kind = block.kind
    if kind == "quote":
        return cards.quote_card(block.quote)
    if kind == "said":
        return cards.said_inline(block.quote)
    if kind == "statistic":
        return cards.statistic_card(block.statistic, block.shown_value, newer=block.newer_value)
    if kind == "value":
        return cards.value_inline(block.statistic, block.shown_value, newer=block.newer_value)
    if kind == "claim":
        return cards.claim_card(block.claim)
    if kind == "media":
        return render_to_string("explainers/story.html#media", {"media": block.media})
    raise ValueError(f"unknown block kind: {kind}")
