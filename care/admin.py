from django.contrib import admin

from .models import CareAssignment
from .services import care_assignment_create


@admin.register(CareAssignment)
class CareAssignmentAdmin(admin.ModelAdmin):
    list_display = ("id", "clinician", "client", "is_active", "started_at")
    list_filter = ("is_active",)
    list_select_related = ("clinician", "client")
    raw_id_fields = ("clinician", "client")
    fields = ("clinician", "client", "is_active", "ended_at")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = care_assignment_create(
            clinician=obj.clinician, client=obj.client, acting_user=request.user
        )
        obj.pk = created.pk
        obj._state.adding = False
