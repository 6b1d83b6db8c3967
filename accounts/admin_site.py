"""The Django admin, behind the same sign-in, second factor and 404 rule as everything else."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from ehab.access import deny


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
            return inner(request, *args, **kwargs)

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
