"""Writes to accounts: creating users, changing roles, updating profiles. Each is audited."""

from datetime import datetime

from allauth.account.models import EmailAddress
from django.db import transaction

from audit.models import Action
from audit.services import audit_record
from core.events import publish

from .events import TimezoneChanged
from .models import User
from .roles import Role


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    role: str = Role.CLIENT,
    preferred_name: str = "",
    email_verified: bool = False,
    acting_user: User | None = None,
) -> User:
    """Create a user (and their primary email record); audited. Raises ValidationError."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    user = User.objects.create_user(
        email=email, password=password, role=role, preferred_name=preferred_name
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
    locked.save(update_fields=["role"])
    audit_record(
        action=Action.ROLE_CHANGED,
        actor=acting_user,
        subject=locked,
        target=locked,
        metadata={"from": old, "to": role},
    )
    user.role = role
    return locked


@transaction.atomic
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
