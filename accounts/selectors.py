"""Reads of accounts."""

from allauth.mfa.models import Authenticator

from .models import User


def users_with_roles(*roles: str):
    """Active users holding any of `roles`, by email."""
    return User.objects.filter(role__in=roles, is_active=True).order_by("email")


def user_has_totp(*, user: User) -> bool:
    """Whether the user has an authenticator app (TOTP) set up."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
