"""Audit and session bookkeeping for sign-in, sign-out and second-factor events."""

from allauth.account.signals import password_changed, password_reset, user_signed_up
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import Action, Outcome
from audit.services import audit_record

from .session_policy import mark_mfa_verified, mark_signed_in


@receiver(user_logged_in, dispatch_uid="ehab_audit_login")
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_signed_in(request.session)
    audit_record(action=Action.LOGIN, actor=user, subject=user)


@receiver(user_logged_out, dispatch_uid="ehab_audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = "expired" if getattr(request, "ehab_session_expired", False) else "user"
    audit_record(action=Action.LOGOUT, actor=user, subject=user, metadata={"reason": reason})


@receiver(user_login_failed, dispatch_uid="ehab_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted address is not stored; the account, if one exists, becomes the subject.
    email = credentials.get("email") or credentials.get("username") or ""
    subject = None
    if isinstance(email, str) and 0 < len(email) <= 254 and "\x00" not in email:
        subject = get_user_model().objects.filter(email__iexact=email).first()
    audit_record(action=Action.LOGIN_FAILED, subject=subject, outcome=Outcome.DENIED)


@receiver(user_signed_up, dispatch_uid="ehab_audit_signup")
def on_signed_up(sender, request, user, **kwargs):
    audit_record(action=Action.USER_SIGNED_UP, actor=user, subject=user, target=user)


@receiver(authenticator_added, dispatch_uid="ehab_audit_mfa_added")
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    # Setting up an authenticator proves a code from it, so this session has a second factor.
    if request is not None and hasattr(request, "session"):
        mark_mfa_verified(request.session)
    audit_record(
        action=Action.MFA_ADDED,
        actor=user,
        subject=user,
        target=authenticator,
        metadata={"type": authenticator.type},
    )


@receiver(authenticator_removed, dispatch_uid="ehab_audit_mfa_removed")
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_record(
        action=Action.MFA_REMOVED,
        actor=user,
        subject=user,
        target_type="mfa.authenticator",
        target_id=authenticator.pk or "",
        metadata={"type": authenticator.type},
    )


@receiver(authenticator_reset, dispatch_uid="ehab_audit_mfa_reset")
def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    audit_record(
        action=Action.MFA_RESET,
        actor=user,
        subject=user,
        target=authenticator,
        metadata={"type": authenticator.type},
    )


@receiver(password_changed, dispatch_uid="ehab_audit_password_changed")
def on_password_changed(sender, request, user, **kwargs):
    audit_record(action=Action.PASSWORD_CHANGED, actor=user, subject=user)


@receiver(password_reset, dispatch_uid="ehab_audit_password_reset")
def on_password_reset(sender, request, user, **kwargs):
    audit_record(action=Action.PASSWORD_RESET, actor=user, subject=user)
