"""Record who did what, from every path that changes content (admin, commands, API)."""

from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry, display_name  # noqa: F401 - display_name is part of this API


def record(*, actor, action: str, obj, message: str = "") -> AuditEntry:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        message=message,
    )
