"""Reads of accounts."""

from .models import User
from .roles import Role


def users_with_role(*, role: str):
    """Active users of one role, by email."""
    return User.objects.filter(role=role, is_active=True).order_by("email")


def user_has_totp(*, user: User) -> bool:
    """Whether the user has an authenticator app (TOTP) set up."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


__all__ = ["Role", "user_has_totp", "users_with_role"]
