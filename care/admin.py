"""Care assignments: who follows whom. Made and ended through the audited services; the pickers
offer only people who fit, so a wrong choice is a form error, never an error page."""

from django import forms
from django.contrib import admin
from django.utils import timezone

from accounts.admin_site import AdminRefusal, RefusalsAsMessages, UserLookupWidget
from accounts.roles import Capability, Role, is_client_role, role_can
from accounts.selectors import users_with_roles

from .models import CareAssignment
from .services import care_assignment_create, care_assignment_end

CASELOAD_ROLES = tuple(role for role in Role.values if role_can(role, Capability.CASELOAD))
CARED_FOR_ROLES = tuple(role for role in Role.values if is_client_role(role))

NOT_A_CLINICIAN = "Choose a clinician or a clinical supervisor."
NOT_A_CLIENT = "Choose a client or a partner."


class CareAssignmentAddForm(forms.ModelForm):
    class Meta:
        model = CareAssignment
        fields = ("clinician", "client")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        clinician, client = data.get("clinician"), data.get("client")
        if (
            clinician is not None
            and client is not None
            and CareAssignment.objects.filter(
                clinician=clinician, client=client, is_active=True
            ).exists()
        ):
            raise forms.ValidationError("This client is already on this clinician's caseload.")
        return data


class CareAssignmentChangeForm(forms.ModelForm):
    """Only an active assignment's "active" box can change: unticking it ends the assignment."""

    class Meta:
        model = CareAssignment
        fields = ("is_active",)
        help_texts = {
            "is_active": "Untick to end this assignment. An ended one is kept as history; to "
            "take the client on again, add a new assignment."
        }


@admin.register(CareAssignment)
class CareAssignmentAdmin(RefusalsAsMessages, admin.ModelAdmin):
    list_display = ("id", "clinician", "client", "is_active", "started_at", "ended_at")
    list_filter = ("is_active",)
    list_select_related = ("clinician", "client")
    raw_id_fields = ("client",)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("clinician", "client")
        return ("clinician", "client", "is_active", "started_at", "ended_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.is_active:
            return ("clinician", "client", "started_at", "ended_at")
        return ("clinician", "client", "is_active", "started_at", "ended_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CareAssignmentChangeForm if obj else CareAssignmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Clinicians are few: a list of them. Clients are many: an id with a filtered lookup.
        if db_field.name == "clinician":
            kwargs["queryset"] = users_with_roles(*CASELOAD_ROLES)
            kwargs["error_messages"] = {"invalid_choice": NOT_A_CLINICIAN}
        elif db_field.name == "client":
            kwargs["queryset"] = users_with_roles(*CARED_FOR_ROLES)
            kwargs["error_messages"] = {"invalid_choice": NOT_A_CLIENT}
            kwargs["widget"] = UserLookupWidget(
                db_field.remote_field, self.admin_site, roles=CARED_FOR_ROLES
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            if "is_active" in form.changed_data and not form.cleaned_data["is_active"]:
                care_assignment_end(assignment=obj, acting_user=request.user, now=timezone.now())
            return
        try:
            created = care_assignment_create(
                clinician=obj.clinician, client=obj.client, acting_user=request.user
            )
        except ValueError as exc:  # a role changed between the form's check and the save
            raise AdminRefusal(str(exc)) from exc
        obj.pk = created.pk
        obj._state.adding = False
