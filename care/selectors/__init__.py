"""Reads of care records."""

from accounts.models import User
from accounts.roles import Capability, is_client_role, role_can


def clients_visible_to(*, user):
    """The clients whose records `user` may open: their own (clients), their caseload
    (clinicians), nobody else. The queryset twin of `access_client`."""
    if not user.is_authenticated:
        return User.objects.none()
    if is_client_role(user.role):
        return User.objects.filter(pk=user.pk)
    if role_can(user.role, Capability.CASELOAD):
        return User.objects.filter(
            care_assignments__clinician=user, care_assignments__is_active=True
        ).distinct()
    return User.objects.none()


def caseload_for(*, clinician):
    """The clinician's active clients, ordered by name then email."""
    return clients_visible_to(user=clinician).order_by("preferred_name", "email")
