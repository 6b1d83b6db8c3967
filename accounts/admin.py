from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.decorators import method_decorator

from .admin_site import AdminRefusal, RefusalsAsMessages
from .models import User
from .roles import Role
from .services import (
    EMAIL_TAKEN,
    user_create,
    user_set_active,
    user_set_clinical_oversight,
    user_set_role,
    user_update_profile,
)

PROFILE_FIELDS = ("preferred_name", "timezone", "phone")


class UserAdminForm(forms.ModelForm):
    class Meta:
        model = User
        fields = (
            "email",
            "role",
            "preferred_name",
            "timezone",
            "phone",
            "is_active",
            "clinical_oversight",
        )
        help_texts = {
            "email": "The sign-in address. Once the account exists, its owner changes it "
            "(confirming the new address); it is not changed here."
        }

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("clinical_oversight") and cleaned.get("role") != Role.ADMIN:
            self.add_error(
                "clinical_oversight", "Only an administrator can be marked for clinical oversight."
            )
        return cleaned

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email


@admin.register(User)
class UserAdmin(RefusalsAsMessages, admin.ModelAdmin):
    """Accounts, written through the audited services; every change needs a fresh sign-in.

    The sign-in address is read-only once the account exists: changed here, allauth kept the old
    address (which went on signing in) and never confirmed the new one."""

    form = UserAdminForm
    list_display = ("email", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("email",)
    ordering = ("email",)

    def has_delete_permission(self, request, obj=None):
        # Health records and the audit trail refer to people; deactivate instead.
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("email",) if obj else ()

    @method_decorator(reauthentication_required)
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    @method_decorator(reauthentication_required)
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        now = timezone.now()
        if not change:
            try:
                created = user_create(
                    email=obj.email,
                    password=None,
                    role=obj.role,
                    preferred_name=obj.preferred_name,
                    acting_user=request.user,
                )
            except (ValidationError, IntegrityError) as exc:  # taken since the form's check
                raise AdminRefusal(EMAIL_TAKEN) from exc
            if (obj.timezone, obj.phone) != (created.timezone, created.phone):
                user_update_profile(
                    user=created,
                    preferred_name=obj.preferred_name,
                    timezone=obj.timezone,
                    phone=obj.phone,
                    acting_user=request.user,
                    now=now,
                )
            if obj.clinical_oversight:
                user_set_clinical_oversight(user=created, value=True, acting_user=request.user)
            if not obj.is_active:
                user_set_active(user=created, value=False, acting_user=request.user)
            obj.pk = created.pk
            obj._state.adding = False
            return
        # The services compare with what is stored; `obj` already holds the form's values.
        stored = User.objects.get(pk=obj.pk)
        changed = set(form.changed_data)
        if changed & set(PROFILE_FIELDS):
            # The same service as the person's own profile page: audited, and a new time zone
            # moves their schedule.
            user_update_profile(
                user=stored,
                **{name: form.cleaned_data[name] for name in PROFILE_FIELDS},
                acting_user=request.user,
                now=now,
            )
        if "is_active" in changed:
            try:
                user_set_active(
                    user=stored, value=form.cleaned_data["is_active"], acting_user=request.user
                )
            except ValidationError as exc:  # their own account
                raise AdminRefusal(exc.messages[0]) from exc
        if "role" in changed:
            user_set_role(user=stored, role=form.cleaned_data["role"], acting_user=request.user)
        if "clinical_oversight" in changed or ("role" in changed and stored.clinical_oversight):
            user_set_clinical_oversight(
                user=stored,
                value=form.cleaned_data["clinical_oversight"] and stored.role == Role.ADMIN,
                acting_user=request.user,
            )


# E-Hab decides permissions by role (accounts/roles.py); Django's groups are not used.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


# allauth's own admins, as it registers them, let an administrator read every authenticator
# app's secret and every confirmation key, add a verified sign-in address to anyone's account
# (then reset the password through it), and remove a staff member's second factor, none of it
# audited. Here they only look: addresses and factors change through the owner's own pages.
class LookOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EmailAddressAdmin(LookOnlyAdmin):
    list_display = ("email", "user", "primary", "verified")
    list_filter = ("primary", "verified")
    search_fields = ("email", "user__email")
    list_select_related = ("user",)


class EmailConfirmationAdmin(LookOnlyAdmin):
    list_display = ("email_address", "created", "sent")
    list_filter = ("sent",)
    exclude = ("key",)
    list_select_related = ("email_address",)


class AuthenticatorAdmin(LookOnlyAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    exclude = ("data",)
    list_select_related = ("user",)


for _model, _admin in (
    (EmailAddress, EmailAddressAdmin),
    (EmailConfirmation, EmailConfirmationAdmin),
    (Authenticator, AuthenticatorAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
