from django import template

from newsroom.models import WebhookEndpoint

register = template.Library()


@register.simple_tag
def disabled_webhook_endpoints():
    """Partners' endpoints disabled after repeated failures: the admin's home page names them."""
    return list(WebhookEndpoint.objects.filter(is_active=False).select_related("key")[:20])
