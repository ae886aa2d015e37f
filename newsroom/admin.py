from django.contrib import admin, messages
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .api_auth import pending_usage
from .core import audit
from .core.adminlists import DateSafeChangeListAdmin
from .core.versioning import VersionedAdmin, bump_version
from .models import AuditEntry, CspReport, PartnerKey, forget_keys


@admin.register(AuditEntry)
class AuditEntryAdmin(DateSafeChangeListAdmin, admin.ModelAdmin):
    """Read-only: the trail is written by the workflow, never edited by hand."""

    list_display = ["created_at", "actor", "action", "content_type", "object_repr", "message"]
    readonly_fields = [
        "created_at",
        "actor",
        "action",
        "content_type",
        "object_repr",
        "message",
        "changed",
    ]
    fields = readonly_fields

    @admin.display(description="What changed")
    def changed(self, obj):
        if not obj.changes:
            return "—"
        return format_html(
            '<table class="audit-changes"><thead><tr><th scope="col">Field</th>'
            '<th scope="col">Before</th><th scope="col">After</th></tr></thead><tbody>{}</tbody></table>',
            format_html_join(
                "",
                "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
                (
                    (name.replace("_", " ").capitalize(), _shown(old), _shown(new))
                    for name, (old, new) in obj.changes.items()
                ),
            ),
        )

    list_filter = ["action", "content_type", ("actor", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "message", "actor__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _shown(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


# Partners get PartnerKeys; the library's own key model stays unused and out of the admin.
admin.site.unregister(APIKey)


@admin.register(PartnerKey)
class PartnerKeyAdmin(VersionedAdmin, APIKeyModelAdmin):
    list_display = [
        "partner", "name", "prefix", "rate", "requests", "last_used_at", "created",
        "expiry_date", "_has_expired", "revoked",
    ]  # fmt: skip
    list_filter = ["revoked", "created"]
    search_fields = ["partner", "name", "prefix", "contact_email"]
    actions = ["revoke_selected"]
    fieldsets = [
        (None, {
            "fields": ["partner", "name", "contact_email", "rate_limit", "expiry_date", "revoked"],
            "description": (
                "The key is shown once, when you save a new one: copy it to the partner then. "
                "Only a hash is stored. Revoking cannot be undone; issue a new key instead."
            ),
        }),
        ("Usage", {"fields": ["prefix", "requests", "last_used_at", "created"]}),
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        fields = ["prefix", "requests", "last_used_at", "created"]
        if obj is not None and obj.revoked:
            fields += ["partner", "name", "contact_email", "rate_limit", "revoked", "expiry_date"]
        return fields

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        pending = pending_usage(changelist.result_list)  # one cache round trip for the page
        for obj in changelist.result_list:
            obj.pending_requests = pending.get(obj.prefix, 0)
        return changelist

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            bump_version(obj)  # a form opened before this save is refused
        audit.record(
            actor=request.user,
            action=AuditEntry.Action.EDITED if change else AuditEntry.Action.CREATED,
            obj=obj,
        )

    @admin.display(description="Requests")
    def requests(self, obj):
        """Written to the database plus counted in the cache since the last write."""
        if obj is None or obj.pk is None:
            return 0
        if not hasattr(obj, "pending_requests"):
            obj.pending_requests = pending_usage([obj]).get(obj.prefix, 0)
        return obj.request_count + obj.pending_requests

    @admin.display(description="Requests per minute")
    def rate(self, obj):
        return obj.rate_limit or f"{obj.requests_per_minute} (default)"

    @admin.action(description="Revoke selected keys (cannot be undone)")
    def revoke_selected(self, request, queryset):
        prefixes = list(queryset.values_list("prefix", flat=True))
        count = queryset.filter(revoked=False).update(revoked=True, version=F("version") + 1)
        forget_keys(prefixes)
        self.message_user(
            request, f"Revoked {count} key(s) at {timezone.localtime():%H:%M}.", messages.WARNING
        )


@admin.register(CspReport)
class CspReportAdmin(DateSafeChangeListAdmin, admin.ModelAdmin):
    """Read-only: what browsers reported, for administrators to find a policy that blocks too
    much (or an injection it stopped)."""

    list_display = ["last_seen", "directive", "blocked_uri", "document_uri", "count", "first_seen"]
    list_filter = ["directive", "disposition"]
    search_fields = ["blocked_uri", "document_uri", "source_file", "sample"]
    readonly_fields = [
        "directive", "blocked_uri", "document_uri", "source_file", "line", "sample",
        "disposition", "count", "first_seen", "last_seen",
    ]  # fmt: skip
    date_hierarchy = "last_seen"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from . import webhooks_admin  # noqa: E402, F401 - partners' webhooks, registered there
