"""``{% load stories %}``: a block placed in a story's section, as readers see it."""

from django import template

from explainers.rendering import block_html

register = template.Library()
register.simple_tag(block_html, name="story_block")
