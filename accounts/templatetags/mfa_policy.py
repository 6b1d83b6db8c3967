"""The MFA policy, asked from templates: whether a person may remove an authenticator."""

from allauth.mfa.adapter import get_adapter
from django import template

register = template.Library()


@register.filter
def removable(authenticator) -> bool:
    """Whether the MFA adapter lets the owner remove `authenticator` (staff keep theirs). Takes
    the Authenticator row or allauth's wrapper of it (the MFA pages list wrappers)."""
    if not authenticator:
        return False
    instance = getattr(authenticator, "instance", authenticator)
    return get_adapter().can_delete_authenticator(instance)
