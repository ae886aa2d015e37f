"""Structured data for templates: ``{% load seo %}{% explainer_json_ld explainer %}``."""

from django import template

from newsroom import structured_data

register = template.Library()


@register.simple_tag(takes_context=True)
def explainer_json_ld(context, explainer):
    request = context["request"]
    return structured_data.to_script(
        structured_data.for_explainer(explainer, request.build_absolute_uri)
    )


@register.simple_tag(takes_context=True)
def fact_json_ld(context, fact):
    request = context["request"]
    data = structured_data.for_fact(fact, request.build_absolute_uri)
    return structured_data.to_script(data) if data else ""


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def fact_embed_code(context, fact):
    """The iframe a partner pastes to show this fact's card."""
    from claims import embeds

    return embeds.iframe_html(fact, context["request"].build_absolute_uri)


@register.simple_tag(takes_context=True)
def fact_embed_url(context, fact):
    from claims import embeds

    return embeds.embed_url(fact)


@register.simple_tag(takes_context=True)
def oembed_url(context, fact):
    from urllib.parse import urlencode

    from django.urls import reverse

    request = context["request"]
    query = urlencode(
        {"url": request.build_absolute_uri(fact.get_absolute_url()), "format": "json"}
    )
    return f"{reverse('claims:oembed')}?{query}"
