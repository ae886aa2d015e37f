"""/api/v1/webhooks/: the requesting partner's own webhook endpoints (read-only; editors add them
in the admin). Never a secret, never another partner's endpoint."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from .core.api import ERROR_RESPONSES, ReadOnlyViewSet
from .core.events import KINDS
from .models import WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(KINDS.items())),
        help_text="The events sent to this endpoint",
    )
    active = serializers.BooleanField(
        source="is_active", help_text="False when disabled after repeated failures"
    )
    disabled_reason = serializers.CharField(help_text="Why it was disabled, if it is")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "active", "disabled_reason", "created_at"]


@extend_schema_view(
    list=extend_schema(
        summary="Your webhook endpoints",
        description="The endpoints registered for your key, with the events each receives. "
        "Deliveries are signed (Standard Webhooks); see “Webhooks” above.",
        responses={200: WebhookEndpointSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One of your webhook endpoints",
        responses={200: WebhookEndpointSerializer, **ERROR_RESPONSES},
    ),
)
class WebhookEndpointViewSet(ReadOnlyViewSet):
    serializer_class = WebhookEndpointSerializer
    ordering = ("-created_at", "-id")
    ordering_fields = ["created_at"]
    surrogate_route = None  # a partner's own endpoints: no shared cache keeps them

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(key=self.request.auth).order_by("-created_at", "-id")
