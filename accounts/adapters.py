"""allauth configured through adapters, not forks."""

import time
import unicodedata

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.http import url_has_allowed_host_and_scheme

from core.request_context import client_ip

from .roles import Role, is_staff_role
from .session_policy import AUTH_STARTED, RESUME_AFTER_SIGN_IN


def _refuse_email(email: str) -> None:
    """Refuse addresses that Django's validator lets through but that cannot be stored or
    mailed faithfully: longer than the column, invisible or control characters (look-alike
    accounts), or a domain that cannot be encoded for sending."""
    invalid = ValidationError("Enter a valid email address.", code="invalid")
    if len(email) > 254:
        raise invalid
    if any(unicodedata.category(ch).startswith("C") for ch in email):
        raise invalid
    _local, _, domain = email.rpartition("@")
    try:
        domain.encode("idna")
    except UnicodeError:
        raise invalid from None


def _resume_path(request) -> str | None:
    """Where the person was going before signing up (see resume_after_sign_in), once; only ever
    a path on this site."""
    path = request.session.pop(RESUME_AFTER_SIGN_IN, None)
    if path and path.startswith("/") and url_has_allowed_host_and_scheme(path, None):
        return path
    return None


class AccountAdapter(DefaultAccountAdapter):
    def get_from_email(self) -> str:
        # Account emails (sign-up confirmation, password reset) land in the same inboxes as our
        # notifications and come from the same neutral sender; DEFAULT_FROM_EMAIL may name the
        # practice and stays for server errors.
        return settings.EHAB_NOTIFICATION_FROM

    def clean_email(self, email: str) -> str:
        _refuse_email(email)
        return super().clean_email(email)

    def save_user(self, request, user, form, commit=True):
        # Anyone who signs up is a client; staff roles are given by an administrator.
        user.role = Role.CLIENT
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        return _resume_path(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        # Confirming the email of a new account signs in as the end of signing up.
        return _resume_path(request) or super().get_signup_redirect_url(request)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # A sign-in in the last few minutes (password, plus the code for staff) is as fresh as a
        # reauthentication; without this a new staff member would be asked for their password a
        # second time on the way to setting up their authenticator.
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        started = request.session.get(AUTH_STARTED) if request is not None else None
        window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        return not (started and time.time() - started < window)

    def get_client_ip(self, request) -> str:
        # allauth keys its rate limits on this. Behind the proxy its default would be the
        # proxy's own address, one shared limit for everybody; the project's one rule
        # (EHAB_TRUSTED_PROXY_COUNT) decides instead, as for audit rows and logs.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        # Staff must keep their second factor: removing it would open health data to a password.
        return not is_staff_role(authenticator.user.role)
