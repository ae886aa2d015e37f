from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the workflow, never edited by hand."""

    list_display = ["created_at", "actor", "action", "content_type", "object_repr", "message"]
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
