from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.utils.decorators import method_decorator

from .models import User
from .services import user_create, user_set_role


class UserAdminForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email", "role", "preferred_name", "timezone", "phone", "is_active")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Accounts. Role changes go through the audited service and need a fresh sign-in."""

    form = UserAdminForm
    list_display = ("email", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("email",)
    ordering = ("email",)

    def has_delete_permission(self, request, obj=None):
        # Health records and the audit trail refer to people; deactivate instead.
        return False

    @method_decorator(reauthentication_required)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(reauthentication_required)
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            created = user_create(
                email=obj.email,
                password=None,
                role=obj.role,
                preferred_name=obj.preferred_name,
                acting_user=request.user,
            )
            obj.pk = created.pk
            obj._state.adding = False
            return
        new_role = obj.role
        if "role" in form.changed_data:
            obj.role = form.initial.get("role", obj.role)
        other = [f for f in form.changed_data if f != "role"]
        if other:
            obj.save(update_fields=other)
        if "role" in form.changed_data:
            user_set_role(user=obj, role=new_role, acting_user=request.user)


# E-Hab decides permissions by role (accounts/roles.py); Django's groups are not used.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
