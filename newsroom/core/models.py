"""The audit trail (who did what, and when, from every path that changes content), and the
version every row two people can change carries (``core.versioning``)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


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
        DISCARDED = "discarded", "Discarded unpublished changes"
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
    object_id = models.CharField(max_length=200)  # partner keys' ids are 100+ characters
    object_repr = models.CharField("object", max_length=300)
    target = GenericForeignKey("content_type", "object_id")
    message = models.TextField(blank=True)
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text="For an edit: each changed field's value before and after, {field: [old, new]}",
    )

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
        return display_name(self.actor)


def display_name(user) -> str:
    """How the admin names a person: their full name, else their username; None is the system."""
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


class Versioned(models.Model):
    """A row two people can change at once. Every save through a workflow verb moves
    ``version`` on, and a form opened at an older version is refused (``core.versioning``)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Autosave(models.Model):
    """What one person had typed in an admin form and not saved, kept privately so that a
    closed tab or a crashed browser loses nothing (``core.desk``). Never a revision: nobody
    else sees it, and a successful save of the form removes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64, blank=True, help_text="Empty: an add form")
    data = models.JSONField(help_text="The form's fields, {name: [values]}")
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_autosave_per_form"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.content_type.model} {self.object_id or '(new)'}"


class Presence(models.Model):
    """Who has a change form open now, refreshed by the page every few seconds: shown to
    others editing the same thing ("Edna Editor is also editing this, since 11:40"). No lock."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    since = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_presence_per_form"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="presence_target_idx")]

    def __str__(self):
        return f"{self.user} on {self.content_type.model} {self.object_id}"
