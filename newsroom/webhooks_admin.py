"""The admin of partners' webhooks: endpoints (secret shown once, rotation, enabling again) and
the delivery log with "Send again". Every change goes through ``newsroom/webhooks.py``."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from . import webhooks
from .core import events, outbound
from .core.versioning import VersionedForm
from .core.workflow import WorkflowAdmin
from .models import PartnerKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookEndpointForm(VersionedForm):
    events = forms.MultipleChoiceField(
        choices=list(events.KINDS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="What the partner hears of. Payloads carry only what the partner API shows.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["key", "url", "events", "description", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "key" in self.fields:
            self.fields["key"].queryset = PartnerKey.objects.filter(revoked=False)
        if "is_active" in self.fields and self.instance.pk is None:
            del self.fields["is_active"]  # a new endpoint is active

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            outbound.check(url, allow_loopback=settings.NEWSROOM_WEBHOOK_ALLOW_LOOPBACK)
        except outbound.Refused as refused:
            raise ValidationError(str(refused)) from None
        return url


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "at", "status_code", "latency_ms", "error", "response"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _secret_page(request, endpoint, secret, *, title):
    return TemplateResponse(
        request,
        "admin/newsroom/webhookendpoint/secret.html",
        {
            **admin.site.each_context(request),
            "title": title,
            "endpoint": endpoint,
            "secret": secret,
            "opts": WebhookEndpoint._meta,
            "overlap_hours": settings.NEWSROOM_WEBHOOK_SECRET_OVERLAP_HOURS,
        },
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(WorkflowAdmin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "key", "subscribed", "state", "failures_in_a_row", "deliveries_link"]
    list_filter = ["is_active", "key"]
    list_select_related = ["key"]
    search_fields = ["url", "description", "key__partner", "key__name"]
    actions = ["rotate_secret", "enable_again"]
    readonly_fields = [
        "secret_status", "disabled_at", "disabled_reason", "failures_in_a_row", "failing_since",
        "created_at", "updated_at",
    ]  # fmt: skip

    def get_fieldsets(self, request, obj=None):
        main = ["key", "url", "events", "description"] + (["is_active"] if obj else [])
        fieldsets = [
            (
                None,
                {
                    "fields": main,
                    "description": "The signing secret is shown once, when you save a new "
                    "endpoint (or rotate its secret): copy it to the partner then.",
                },
            )
        ]
        if obj is not None:  # the version it was opened at: a colleague's change refuses it
            fieldsets[0][1]["fields"].append("base_version")
            fieldsets.append(("State", {"fields": self.readonly_fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            request._webhook_secret = webhooks.add_endpoint(obj, by=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_webhook_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _secret_page(request, obj, secret, title="Webhook endpoint added: its secret")

    @admin.display(description="Events")
    def subscribed(self, obj):
        return ", ".join(obj.events) or "(none)"

    @admin.display(description="State")
    def state(self, obj):
        if obj.is_active:
            return "Active"
        return format_html("<strong>Disabled</strong> {}", obj.disabled_reason)

    @admin.display(description="Secret")
    def secret_status(self, obj):
        if obj.previous_secret_until:
            return format_html(
                "Set (shown once). The previous secret also signs until {}.",
                obj.previous_secret_until.strftime("%-d %b %Y %H:%M %Z"),
            )
        return "Set (shown once, when it was made). Rotate it to get a new one."

    @admin.display(description="Deliveries")
    def deliveries_link(self, obj):
        url = (
            reverse("admin:newsroom_webhookdelivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        )
        return format_html('<a href="{}">Delivery log</a>', url)

    @admin.action(description="Rotate the secret of the selected endpoint (shows the new one)")
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Rotate one endpoint at a time: select exactly one.", messages.ERROR
            )
            return None
        endpoint = queryset.get()
        try:
            secret = webhooks.rotate_secret(endpoint, by=request.user)
        except PermissionDenied as denied:
            self.message_user(request, str(denied), messages.ERROR)
            return None
        endpoint.refresh_from_db()
        return _secret_page(request, endpoint, secret, title="New webhook secret")

    @admin.action(description="Enable again (and send what was held)")
    def enable_again(self, request, queryset):
        sent = 0
        for endpoint in queryset.filter(is_active=False):
            sent += webhooks.enable(endpoint, by=request.user)
        self.message_user(request, f"Enabled; {sent} held deliveries queued to send again.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, with "Send again"."""

    list_display = [
        "created_at", "event_type", "status", "attempts", "last_status_code", "last_latency_ms",
        "next_attempt_at", "partner", "last_error",
    ]  # fmt: skip
    list_filter = ["status", "event__type", "endpoint"]
    list_select_related = ["event", "endpoint__key"]
    search_fields = ["event__id", "endpoint__url", "last_error"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    inlines = [AttemptInline]
    fields = [
        "event_id_shown", "event_type", "endpoint", "status", "attempts", "first_attempt_at",
        "last_attempt_at", "next_attempt_at", "last_status_code", "last_latency_ms", "last_error",
        "delivered_at", "payload",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The log is read-only: no save buttons (the list's "Send again" acts on it)."""
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Event")
    def event_type(self, obj):
        return obj.event.type

    @admin.display(description="Partner", ordering="endpoint__key__partner")
    def partner(self, obj):
        return obj.endpoint.key.partner or obj.endpoint.key.name

    @admin.display(description="webhook-id")
    def event_id_shown(self, obj):
        return obj.event_id

    @admin.display(description="Payload sent")
    def payload(self, obj):
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", obj.event.payload)

    @admin.action(description="Send again now (same webhook-id)", permissions=["change"])
    def send_again(self, request, queryset):
        count = webhooks.send_again(list(queryset), by=request.user)
        self.message_user(request, f"{count} deliveries queued to send again.")
