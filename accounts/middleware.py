"""Session lifetime policy and the staff second-factor requirement."""

import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record

from .roles import is_staff_role
from .selectors import user_has_totp
from .session_policy import AUTH_STARTED, LAST_SEEN, mfa_verified

# Writing the last-seen time on every request would write the session row every time.
_LAST_SEEN_RESOLUTION = 30


class SessionPolicyMiddleware:
    """Signs out sessions idle too long (30 min clients, 15 min staff) or older than 12 h."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            expired = self._expiry_reason(request, user)
            if expired:
                audit_record(
                    action=Action.SESSION_EXPIRED,
                    actor=user,
                    subject=user,
                    metadata={"reason": expired},
                )
                request.ehab_session_expired = True
                logout(request)
                messages.info(
                    request,
                    "You were signed out after a quiet spell, to keep your information private. "
                    "Please sign in again.",
                )
                if request.headers.get("HX-Request") == "true":
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse(settings.LOGIN_URL)
                    return response
                return redirect_to_login(request.get_full_path())
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if last is None or now - last >= _LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _expiry_reason(request, user) -> str | None:
        now = time.time()
        started = request.session.get(AUTH_STARTED)
        last = request.session.get(LAST_SEEN, started)
        idle = (
            settings.EHAB_SESSION_IDLE_STAFF
            if is_staff_role(user.role)
            else settings.EHAB_SESSION_IDLE_CLIENT
        )
        if started is None or now - started > settings.EHAB_SESSION_ABSOLUTE.total_seconds():
            return "absolute"
        if last is not None and now - last > idle.total_seconds():
            return "idle"
        return None


# Pages a staff member may open before their second factor is in place.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_generate_recovery_codes",
        "crisis",
        "healthz",
    }
)


class StaffMfaRequiredMiddleware:
    """Staff reach nothing but MFA setup and sign-out until their session has a second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and is_staff_role(user.role) and not mfa_verified(request):
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                view_name = None
            if view_name not in MFA_EXEMPT_URL_NAMES:
                if user_has_totp(user=user):
                    target = reverse("mfa_reauthenticate")
                else:
                    target = reverse("mfa_activate_totp")
                return redirect(f"{target}?next={reverse('home')}")
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Shows every date and time in the signed-in person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.timezone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
