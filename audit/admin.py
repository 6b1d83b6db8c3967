from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail can be searched, never edited."""

    list_display = ("occurred_at", "action", "outcome", "count", "actor", "subject", "target_type")
    list_filter = ("outcome", "action")
    search_fields = ("action", "request_id", "target_id")
    list_select_related = ("actor", "subject")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
