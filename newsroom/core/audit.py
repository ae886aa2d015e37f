"""Record who did what, and what changed, from every path that changes content (admin,
commands, API)."""

import datetime
import decimal

from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry, display_name  # noqa: F401 - display_name is part of this API

# Fields that change with every save and say nothing about the content.
BOOKKEEPING = {
    "id", "version", "created_at", "updated_at", "updated_by", "recorded_at",
    "public_from",  # when readers may see a fact block: kept by the database, not by an edit
}  # fmt: skip


def record(
    *, actor, action: str, obj, message: str = "", changes: dict | None = None
) -> AuditEntry:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        message=message,
        changes=changes or {},
    )


def readable(value):
    """A field's value as the audit trail keeps it (JSON): text, numbers, dates as ISO."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value)


def field_values(obj) -> dict:
    """Each concrete field's value, related objects by name (``str``)."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in BOOKKEEPING:
            continue
        if field.is_relation:
            related = getattr(obj, field.name, None) if getattr(obj, field.attname) else None
            values[field.name] = readable(related)
        else:
            values[field.name] = readable(field.value_from_object(obj))
    return values


def changes(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for what differs between two ``field_values``-like dicts."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def stored_values(obj) -> dict:
    """``field_values`` of the row as stored now (before a save changes it)."""
    stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    return field_values(stored) if stored is not None else {}
