"""Writes to accounts: creating users, changing roles, updating profiles (each audited), and
the record of used authenticator-app codes."""

from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.core.internal.cryptokit import compare_user_code
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import Action
from audit.services import audit_record
from core.events import publish

from .events import TimezoneChanged
from .models import TotpCodeUse, User
from .roles import Role

EMAIL_TAKEN = "Another account already uses this email address."
CANNOT_DEACTIVATE_SELF = "You cannot deactivate your own account."


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    role: str = Role.CLIENT,
    preferred_name: str = "",
    email_verified: bool = False,
    timezone: str = "",
    acting_user: User | None = None,
) -> User:
    """Create a user (and their primary email record); audited. Raises ValidationError (an
    address already taken, a time zone not in the zone database). `timezone` empty: the
    site's default."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    extra = {"timezone": timezone} if timezone else {}
    user = User.objects.create_user(
        email=email, password=password, role=role, preferred_name=preferred_name, **extra
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    audit_record(
        action=Action.USER_CREATED,
        actor=acting_user,
        subject=user,
        target=user,
        metadata={"role": role},
    )
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, acting_user: User | None) -> User:
    """Change a user's role; audited with the old and new role. Locks the user row."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    locked = User.objects.select_for_update().get(pk=user.pk)
    old = locked.role
    if old == role:
        return locked
    locked.role = role
    # The admin site's keys go with the administrator role (and do not come back with it).
    dropped_superuser = locked.is_superuser and role != Role.ADMIN
    locked.is_superuser = locked.is_superuser and not dropped_superuser
    locked.save(update_fields=["role", "is_superuser"])
    audit_record(
        action=Action.ROLE_CHANGED,
        actor=acting_user,
        subject=locked,
        target=locked,
        metadata={"from": old, "to": role, **({"superuser": False} if dropped_superuser else {})},
    )
    user.role = role
    user.is_superuser = locked.is_superuser
    return locked


def _set_admin_flag(
    *, user: User, name: str, value: bool, action: str, refusal: str, acting_user: User | None
) -> User:
    """Set the boolean field `name`, which only an administrator may hold, under a row lock;
    audited with `action` when it changes."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if value and locked.role != Role.ADMIN:
        raise ValidationError(refusal)
    if getattr(locked, name) == value:
        return locked
    setattr(locked, name, value)
    locked.save(update_fields=[name])
    audit_record(
        action=action, actor=acting_user, subject=locked, target=locked, metadata={"to": value}
    )
    setattr(user, name, value)
    return locked


@transaction.atomic
def user_set_clinical_oversight(*, user: User, value: bool, acting_user: User | None) -> User:
    """Mark an administrator as clinical (or not); audited. Only an administrator can be."""
    return _set_admin_flag(
        user=user,
        name="clinical_oversight",
        value=value,
        action=Action.CLINICAL_OVERSIGHT_CHANGED,
        refusal="Only an administrator can be marked for clinical oversight.",
        acting_user=acting_user,
    )


@transaction.atomic
def user_set_superuser(*, user: User, value: bool, acting_user: User | None) -> User:
    """Give an administrator the Django admin (or take it away); audited. Only an administrator
    can be a superuser."""
    return _set_admin_flag(
        user=user,
        name="is_superuser",
        value=value,
        action=Action.SUPERUSER_CHANGED,
        refusal="Only an administrator can be a superuser.",
        acting_user=acting_user,
    )


def user_update_profile(
    *, user: User, preferred_name: str, timezone: str, phone: str, acting_user: User, now: datetime
) -> User:
    """Update the preferred name, time zone and phone; validated and audited (no values logged).
    A new time zone moves the person's schedules as of `now`."""
    old_timezone = user.timezone
    user.preferred_name = preferred_name
    user.timezone = timezone
    user.phone = phone
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["preferred_name", "timezone", "phone"])
    audit_record(action=Action.PROFILE_UPDATED, actor=acting_user, subject=user, target=user)
    if old_timezone != timezone:
        publish(TimezoneChanged(user=user, now=now))
    return user


def _totp_step(*, secret: str, code: str, now: datetime) -> int | None:
    """The time step within the allowed window at `now` whose code is `code`, if any."""
    current = int(now.timestamp()) // mfa_settings.TOTP_PERIOD
    tolerance = mfa_settings.TOTP_TOLERANCE
    for step in range(current - tolerance, current + tolerance + 1):
        if compare_user_code(actual=code, expected=format_hotp_value(hotp_value(secret, step))):
            return step
    return None


def totp_code_claim(*, authenticator: Authenticator, code: str, now: datetime) -> bool:
    """Record that `code` from this authenticator app was accepted at `now`; False if it is not
    a code of the window at `now` or a code of its time step was accepted before. Race-safe (a
    unique row per authenticator and step: of two claims at once, one wins), independent of the
    cache. Deletes this authenticator's rows of steps that can no longer be valid."""
    step = _totp_step(secret=decrypt(authenticator.data["secret"]), code=code, now=now)
    if step is None:
        return False
    oldest_valid = int(now.timestamp()) // mfa_settings.TOTP_PERIOD - mfa_settings.TOTP_TOLERANCE
    TotpCodeUse.objects.filter(authenticator=authenticator, step__lt=oldest_valid).delete()
    try:
        with transaction.atomic():
            TotpCodeUse.objects.create(authenticator=authenticator, step=step, used_at=now)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def account_deactivate(*, user: User, acting_user: User | None, reason: str) -> User:
    """End a person's access: they can no longer sign in, and every session of theirs stops
    working at its next request (the authentication backends refuse inactive users). Their
    records stay. Audited with the reason code; a person already inactive is left as is."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    audit_record(
        action=Action.ACCOUNT_DEACTIVATED,
        actor=acting_user,
        subject=locked,
        target=locked,
        metadata={"reason": reason},
    )
    user.is_active = False
    return locked


@transaction.atomic
def user_set_active(*, user: User, value: bool, acting_user: User | None) -> User:
    """Let a person sign in again (`value` True) or end their access (False, through
    account_deactivate: every session of theirs stops at its next request). Audited; an
    account already so is left as is. Nobody deactivates their own account here (they would
    lock themselves out): ValidationError."""
    if not value:
        if acting_user is not None and acting_user.pk == user.pk:
            raise ValidationError(CANNOT_DEACTIVATE_SELF)
        return account_deactivate(user=user, acting_user=acting_user, reason="administrator")
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active:
        return locked
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    audit_record(
        action=Action.ACCOUNT_REACTIVATED, actor=acting_user, subject=locked, target=locked
    )
    user.is_active = True
    return locked
