"""allauth configured through adapters, not forks."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from .roles import Role, is_staff_role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Anyone who signs up is a client; staff roles are given by an administrator.
        user.role = Role.CLIENT
        return super().save_user(request, user, form, commit=commit)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        # Staff must keep their second factor: removing it would open health data to a password.
        return not is_staff_role(authenticator.user.role)
