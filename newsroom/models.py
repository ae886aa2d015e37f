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
