"""People in the console: adding one person by invitation, and changing an account (role,
profile, access, clinical oversight) in one go. The writes are accounts' audited services; the
rules that need the person making the change (nobody deactivates themselves or gives up their
own administrator role) are checked here, and a refusal names the form field it is about."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.services import (
    CANNOT_DEACTIVATE_SELF,
    user_set_active,
    user_set_clinical_oversight,
    user_set_role,
    user_update_profile,
)
from core.errors import FieldError

from ..invitations import EmailTaken, invite_account

OVERSIGHT_ADMINS_ONLY = "Only an administrator can be marked for clinical oversight."
OWN_ROLE = "You cannot change your own role here: ask another administrator."


class PersonError(FieldError):
    """The account change cannot be stored."""


@dataclass(frozen=True)
class AccountFields:
    """What an administrator sets on an account."""

    role: str
    preferred_name: str
    timezone: str
    phone: str
    is_active: bool
    clinical_oversight: bool


@transaction.atomic
def person_invite(
    *, email: str, preferred_name: str, role: str, timezone: str, acting_user: User, now: datetime
) -> User:
    """A new account with no password, and an invitation to choose one in the outbox (the same
    as the CSV invite); audited. PersonError when the address is taken."""
    try:
        return invite_account(
            email=email,
            preferred_name=preferred_name,
            role=role,
            timezone=timezone,
            acting_user=acting_user,
            now=now,
        )
    except EmailTaken as exc:
        raise PersonError(str(exc), field="email") from None


@transaction.atomic
def person_update(*, person: User, fields: AccountFields, acting_user: User, now: datetime) -> User:
    """Store `fields` on `person`, each change through its audited service, all or nothing.
    A profile change that moves the time zone moves their schedule as of `now`. Clinical
    oversight is for administrators only, and is dropped when an administrator's role changes."""
    if fields.clinical_oversight and fields.role != Role.ADMIN:
        raise PersonError(OVERSIGHT_ADMINS_ONLY, field="clinical_oversight")
    if person.pk == acting_user.pk:
        if not fields.is_active:
            raise PersonError(CANNOT_DEACTIVATE_SELF, field="is_active")
        if fields.role != person.role:
            raise PersonError(OWN_ROLE, field="role")
    stored = User.objects.select_for_update().get(pk=person.pk)
    profile = (fields.preferred_name, fields.timezone, fields.phone)
    if profile != (stored.preferred_name, stored.timezone, stored.phone):
        try:
            user_update_profile(
                user=stored,
                preferred_name=fields.preferred_name,
                timezone=fields.timezone,
                phone=fields.phone,
                acting_user=acting_user,
                now=now,
            )
        except ValidationError as exc:
            raise PersonError(" ".join(exc.messages)) from None
    if fields.role != stored.role:
        stored = user_set_role(user=stored, role=fields.role, acting_user=acting_user)
    if fields.clinical_oversight != stored.clinical_oversight:
        stored = user_set_clinical_oversight(
            user=stored, value=fields.clinical_oversight, acting_user=acting_user
        )
    if fields.is_active != stored.is_active:
        stored = user_set_active(user=stored, value=fields.is_active, acting_user=acting_user)
    return stored
