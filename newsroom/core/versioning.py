"""Optimistic locking: one mechanism for every form and verb that two people can use at once.

A versioned model (``core.models.Versioned``) has an integer ``version`` that every save through
a workflow verb moves on (``bump_version``). Its form carries the version it was opened at
(``base_version``, hidden, required on a change form). When the form is saved, inside the
save's transaction, the row is locked (``SELECT … FOR UPDATE`` on PostgreSQL) and its version
compared: a colleague's change in between is refused with who made it and when, read from the
audit trail, and everything typed stays in the form. The lock is held until the save commits,
so of two saves from forms opened at the same version one waits, then sees the new version and
is refused: no two saves from the same version both succeed.

Workflow verbs that act on what a page showed (publish, discard, a public note) take the version
the page was opened at too (``expect_version``).
"""

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditEntry, display_name

# How the audit trail's actions read in "<who> <did> this <thing> at <time>".
DID = {
    AuditEntry.Action.CREATED: "created",
    AuditEntry.Action.EDITED: "saved",
    AuditEntry.Action.SUBMITTED: "submitted for review",
    AuditEntry.Action.PUBLISHED: "published",
    AuditEntry.Action.SCHEDULED: "scheduled",
    AuditEntry.Action.WENT_LIVE: "saw go live",
    AuditEntry.Action.UNPUBLISHED: "unpublished",
    AuditEntry.Action.ARCHIVED: "archived",
    AuditEntry.Action.RESTORED: "restored an earlier revision of",
    AuditEntry.Action.CORRECTED: "added or changed a public note on",
    AuditEntry.Action.VALUE_ADDED: "added a figure to",
    AuditEntry.Action.CHECKED: "checked",
    AuditEntry.Action.DISCARDED: "discarded the unpublished changes to",
    AuditEntry.Action.DELETED: "deleted",
}


def locked(obj):
    """``obj``'s row as stored now, locked until the transaction ends (when there is one)."""
    queryset = type(obj)._default_manager.filter(pk=obj.pk)
    if transaction.get_connection().in_atomic_block:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.first()


def bump_version(obj) -> None:
    """Move the stored version on by one, and ``obj.version`` with it."""
    type(obj)._default_manager.filter(pk=obj.pk).update(version=F("version") + 1)
    obj.refresh_from_db(fields=["version"])


def audit_target(obj):
    """The object whose audit entries tell its story (a working copy's are its story's)."""
    return getattr(obj, "audit_target", obj)


def last_change(obj) -> AuditEntry | None:
    target = audit_target(obj)
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
            object_id=str(target.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def conflict_message(obj) -> str:
    """Who changed ``obj`` after a form or page showing it was opened, when, and what to do."""
    entry = last_change(obj)
    who = display_name(entry.actor) if entry else "Someone"
    did = DID.get(entry.action, "changed") if entry else "changed"
    when = f" at {timezone.localtime(entry.created_at):%H:%M on %-d %B %Y}" if entry else ""
    what = audit_target(obj)._meta.verbose_name
    return (
        f"{who} {did} this {what}{when}, after you opened it, so your changes were not saved. "
        "Everything you typed is still below: copy what you need, then reopen it to see their "
        "version and add your changes to it."
    )


def expect_version(obj, version) -> None:
    """For a verb acting on what a page showed: refuse if ``obj`` changed since (locks it)."""
    if version in (None, ""):
        return
    current = locked(obj)
    if current is None:
        raise ValidationError(f"This {obj._meta.verbose_name} no longer exists.")
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise ValidationError("The page sent a version that is not a number.") from None
    if current.version != version:
        raise ValidationError(conflict_message(current), code="conflict")


class VersionedForm(forms.ModelForm):
    """A model form refused when its row was changed by someone else after it was opened."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version
            self.fields["base_version"].required = True
            self.fields["base_version"].error_messages["required"] = (
                "This form was sent without the version it was opened at, so it cannot be "
                "checked against a colleague's changes. Reopen it and save again."
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = locked(self.instance)
            base = cleaned.get("base_version")
            if current is None:
                raise forms.ValidationError(
                    f"This {self.instance._meta.verbose_name} was deleted after you opened it. "
                    "Everything you typed is still below.",
                    code="deleted",
                )
            if base is not None and base != current.version:
                raise forms.ValidationError(self.conflict_message(current), code="conflict")
        return cleaned

    def conflict_message(self, current) -> str:
        return conflict_message(current)


class VersionedAdmin:
    """Admin mixin: the change form is a ``VersionedForm`` whose hidden ``base_version`` is
    always rendered, whatever fields or fieldsets the admin lists."""

    form = VersionedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, dict(options)) for name, options in super().get_fieldsets(request, obj)]
        listed = {
            field
            for _, options in fieldsets
            for line in options.get("fields", [])
            for field in (line if isinstance(line, list | tuple) else [line])
        }
        if "base_version" not in listed and fieldsets:
            options = fieldsets[-1][1]
            options["fields"] = [*options.get("fields", []), "base_version"]
        return fieldsets
