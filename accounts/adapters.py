"""allauth configured through adapters, not forks."""

import time
import unicodedata

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import filter_users_by_email
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.request_context import client_ip
from notifications.models import Kind
from notifications.services import account_mail_enqueue

from .roles import Role, is_staff_role
from .session_policy import AUTH_STARTED, RESUME_AFTER_SIGN_IN

# Which outbox kind carries each of allauth's emails (by template prefix); any other (the
# notices of a changed password or address, the MFA notices) is an ACCOUNT_NOTICE.
ACCOUNT_MAIL_KINDS = {
    "account/email/password_reset_key": Kind.ACCOUNT_PASSWORD_RESET,
    "account/email/password_reset_code": Kind.ACCOUNT_PASSWORD_RESET,
    "account/email/email_confirmation": Kind.ACCOUNT_CONFIRM_EMAIL,
    "account/email/email_confirmation_signup": Kind.ACCOUNT_CONFIRM_EMAIL,
    "account/email/account_already_exists": Kind.ACCOUNT_ALREADY_EXISTS,
    "account/email/unknown_account": Kind.ACCOUNT_UNKNOWN,
    "account/email/login_code": Kind.ACCOUNT_SIGN_IN_CODE,
}


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

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth email goes through the outbox: rendered here from our templates
        (templates/account/email/, mfa/email/), sealed, and sent by the worker, so a request
        costs the same whether or not it mails anyone (docs/decisions/0008)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        rendered = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                body
                for body, mimetype in getattr(rendered, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        if rendered.content_subtype == "html":  # only an HTML template exists
            text, html = "", rendered.body
        else:
            text = rendered.body
        user = context.get("user")
        if user is None:
            user = next(iter(filter_users_by_email(email, prefer_verified=True)), None)
        account_mail_enqueue(
            user=user,
            kind=ACCOUNT_MAIL_KINDS.get(template_prefix, Kind.ACCOUNT_NOTICE),
            to=email,
            subject=rendered.subject,
            text=text,
            html=html,
            now=timezone.now(),
        )

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
