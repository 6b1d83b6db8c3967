"""The Django admin, behind the same sign-in, second factor and 404 rule as everything else."""

from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from audit.access import deny


class EhabAdminSite(admin.AdminSite):
    site_header = "E-Hab administration"
    site_title = "E-Hab"
    index_title = "Programs, people and records"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def gated(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                deny(user=request.user, target_type="page", target_id="admin")
            try:
                return inner(request, *args, **kwargs)
            except OverflowError:
                # An id too large for a key column, in a lookup (`?id__in=`) or a list of
                # choices: SQLite cannot bind it at all. Hostile input, so a 400, not a 500;
                # a write in progress has been rolled back with its transaction.
                raise BadRequest("A number in the request is out of range.") from None

        return update_wrapper(gated, view)

    def login(self, request, extra_context=None):
        # One sign-in for everybody (allauth, with its second factor); never the admin's own form.
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or "/admin/")
        if not self.has_permission(request):
            deny(user=request.user, target_type="page", target_id="admin")
        return redirect("admin:index")

    def password_change(self, request, extra_context=None):
        # Passwords change in one place, where the change is audited and rate-limited.
        return redirect("account_change_password")

    def password_change_done(self, request, extra_context=None):
        return redirect("account_change_password")


class AdminRefusal(Exception):
    """A service refused a save that the form had allowed (the record changed in between)."""


class RefusalsAsMessages(admin.ModelAdmin):
    """For a ModelAdmin whose `save_model` raises AdminRefusal: the whole save is rolled back
    (the admin wraps it in one transaction) and the reason is shown above the same page.

    Forms check what they can, so this is the rare case of a race between the form's check and
    the service's own; it is a message and nothing kept, never an error page."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except AdminRefusal as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class UserLookupWidget(ForeignKeyRawIdWidget):
    """The picker for a person by id, whose lookup list shows only active users holding one of
    `roles` (the form field's queryset is what actually refuses anyone else)."""

    def __init__(self, rel, admin_site, *, roles, attrs=None, using=None):
        super().__init__(rel, admin_site, attrs, using)
        self.roles = tuple(roles)

    def url_parameters(self):
        params = super().url_parameters()
        params.update({"role__in": ",".join(self.roles), "is_active__exact": "1"})
        return params
