"""What every workflow verb does besides its own rule: check the actor's permission, write the
audit entry, and refresh the cached pages that show what changed (on commit).

The apps' workflow modules (``explainers/publishing.py``, ``claims/publishing.py``) hold the
verbs; admin classes, API views and commands only call them. ``by=None`` is the system (seeds,
cron); any other actor must hold the permission the verb names.

``save`` and ``delete`` are the verbs of plain records readers see on pages (people, sources,
ratings, topics, media): nothing more happens when one changes than that.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import audit, pagecache
from .models import AuditEntry, Versioned
from .versioning import VersionedAdmin, bump_version


def require(user, perm: str, message: str) -> None:
    """Refuse unless ``user`` (None: the system) holds ``perm``."""
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(message)


def permission(obj, action: str) -> str:
    return f"{obj._meta.app_label}.{action}_{obj._meta.model_name}"


@transaction.atomic
def save(obj, *, by, created: bool | None = None, message: str = ""):
    """Save a record readers see: permission, audit entry, and its pages refreshed."""
    created = obj.pk is None if created is None else created
    name = obj._meta.verbose_name
    require(by, permission(obj, "add" if created else "change"), f"You cannot change {name}s.")
    before = {} if created else audit.stored_values(obj)
    if not created:  # a new record is on no page until something shows it
        pagecache.changing(obj)
    obj.save()
    if not created and isinstance(obj, Versioned):
        bump_version(obj)  # forms opened before this save are refused
    audit.record(
        actor=by,
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.EDITED,
        obj=obj,
        message=message,
        changes=audit.changes(before, audit.field_values(obj)) if before else {},
    )
    return obj


@transaction.atomic
def delete(obj, *, by) -> None:
    """Delete a record: what protects it (a story using it) refuses as the database does."""
    require(by, permission(obj, "delete"), f"You cannot delete {obj._meta.verbose_name}s.")
    pagecache.changing(obj)  # found now, before the delete removes what links to it
    audit.record(actor=by, action=AuditEntry.Action.DELETED, obj=obj)
    obj.delete()


class WorkflowAdmin(VersionedAdmin):
    """Admin mixin: saving and deleting go through ``save`` and ``delete`` above, and a form
    opened before a colleague's save is refused (``core.versioning``)."""

    def save_model(self, request, obj, form, change):
        save(obj, by=request.user, created=not change)

    def delete_model(self, request, obj):
        delete(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            delete(obj, by=request.user)
