"""Project-wide records: the audit trail, and partner keys for the read-only API."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Scheduled"
        WENT_LIVE = "went_live", "Went live (scheduled)"
        UNPUBLISHED = "unpublished", "Unpublished"
        ARCHIVED = "archived", "Archived"
        RESTORED = "restored", "Restored a revision"
        CORRECTED = "corrected", "Added a public note"
        VALUE_ADDED = "value_added", "Added a statistic value"
        CHECKED = "checked", "Marked as checked"
        DELETED = "deleted", "Deleted"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField("object", max_length=300)
    target = GenericForeignKey("content_type", "object_id")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_target_idx")]

    def __str__(self):
        who = self.actor or "system"
        return f"{who} {self.get_action_display().lower()} {self.object_repr}"

    @property
    def actor_name(self) -> str:
        if self.actor is None:
            return "the system"
        return self.actor.get_full_name() or self.actor.get_username()


class PartnerKey(AbstractAPIKey):
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
        from .api_auth import forget_keys

        forget_keys([self.prefix])  # a revoked or changed key must not live on in the cache

    @property
    def requests_per_minute(self) -> int:
        return self.rate_limit or settings.NEWSROOM_API_RATE_PER_MINUTE

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired
