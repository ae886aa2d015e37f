"""Partner keys for the read-only API. The audit trail is a core mechanism (``core.models``)."""

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MinValueValidator
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey

from .core.models import AuditEntry, Autosave, Presence, Versioned  # noqa: F401 - this app's models


class PartnerKey(Versioned, AbstractAPIKey):
    """One partner's key. Revoking is final; usage counters are written in batches."""

    partner = models.CharField(max_length=200, help_text="The organisation the key was issued to")
    contact_email = models.EmailField(blank=True, help_text="Who to tell before revoking it")
    rate_limit = models.PositiveIntegerField(
        "requests per minute",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave empty for the default (NEWSROOM_API_RATE_PER_MINUTE, usually 120).",
    )
    request_count = models.PositiveBigIntegerField(default=0, editable=False)
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner key"
        verbose_name_plural = "partner keys"

    def __str__(self):
        return f"{self.partner}: {self.name}" if self.partner else self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_keys([self.prefix])  # a revoked or changed key must not live on in the cache

    @property
    def requests_per_minute(self) -> int:
        return self.rate_limit or settings.NEWSROOM_API_RATE_PER_MINUTE

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired


# Keys are read from the shared cache by the API (api_auth.find_key); a saved or revoked key's
# cached copy is dropped at once, on every app server.
def key_cache_name(prefix: str) -> str:
    return f"api:key:{prefix}"


def forget_keys(prefixes) -> None:
    cache.delete_many([key_cache_name(prefix) for prefix in prefixes])


class CspReport(models.Model):
    """Content Security Policy violations browsers reported (``newsroom/csp_reports.py``), one
    row per kind: the same violation again only counts up, so a flood cannot fill the table."""

    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    directive = models.CharField(max_length=100)
    blocked_uri = models.CharField("blocked", max_length=500, blank=True)
    document_uri = models.CharField("page", max_length=500, blank=True)
    source_file = models.CharField(max_length=500, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    sample = models.CharField(max_length=300, blank=True)
    disposition = models.CharField(max_length=20, blank=True, help_text="enforce or report")
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = "CSP violation report"
        verbose_name_plural = "CSP violation reports"

    def __str__(self):
        return f"{self.directive}: {self.blocked_uri or 'inline'} on {self.document_uri}"


# --- Partner webhooks (newsroom/webhooks.py) ----------------------------------------------------


class WebhookEndpoint(Versioned):
    """Where a partner wants to hear of changes (Standard Webhooks). Its secret is shown once,
    when the endpoint is added or the secret rotated; the previous secret keeps signing beside
    the new one until ``previous_secret_until``."""

    key = models.ForeignKey(
        PartnerKey,
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name="partner key",
        help_text="Deliveries carry what the partner API shows this key, and stop if it is "
        "revoked.",
    )
    url = models.URLField(
        "URL", max_length=500, help_text="https:// only, at a public internet address."
    )
    events = models.JSONField(default=list, help_text="The events the partner wants")
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(
        "active", default=True, help_text="Disabled endpoints are sent nothing."
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    failures_in_a_row = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key__partner", "url"]
        verbose_name = "webhook endpoint"

    def __str__(self):
        return f"{self.key.partner or self.key.name}: {self.url}"


class WebhookEvent(models.Model):
    """One thing that happened, with the exact bytes every endpoint is sent. Its id is the
    ``webhook-id`` of every delivery and retry, so a partner can ignore a repeat."""

    id = models.CharField(max_length=40, primary_key=True, editable=False)
    type = models.CharField(max_length=40, db_index=True)
    subject = models.CharField(
        max_length=100, help_text="What it is about, e.g. explainers.explainer:12"
    )
    payload = models.TextField(help_text="The JSON sent, byte for byte")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    """One event to one endpoint: at most one per pair, however often it is asked for."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"
        WITHDRAWN = "withdrawn", "Withdrawn (no longer public)"
        HELD = "held", "Held (endpoint disabled or key revoked)"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField("last response", null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField("last latency (ms)", null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_event")
        ]

    def __str__(self):
        return f"{self.event.type} to {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """The delivery log: one row per request made (or refused before it was made)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField("response", null=True, blank=True)
    latency_ms = models.PositiveIntegerField("latency (ms)", null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response = models.TextField(blank=True, help_text="The start of the answer")

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"attempt {self.number}"
