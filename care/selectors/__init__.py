"""Reads of care records: who may open whose record (the queryset twin of
care.permissions.access_client), and the caseload (care/selectors/caseload.py)."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from accounts.roles import Capability, is_client_role, role_can

from ..models import CareAssignment, Supervision


def supervisions_of(*, user: User) -> QuerySet[Supervision]:
    """The supervisions through which `user` follows other clinicians now: active ones only, and
    only for a role that may supervise. Ended supervisions are history and grant nothing."""
    if not role_can(user.role, Capability.SUPERVISE):
        return Supervision.objects.none()
    return Supervision.objects.filter(supervisor=user, is_active=True)


def assignments_visible_to(*, user: User) -> QuerySet[CareAssignment]:
    """The active care assignments whose clients `user` follows: their own (a clinician or a
    supervisor with clients of their own) and, for a supervisor, those of the clinicians they
    actively supervise (A-2). An ended assignment or supervision counts for nothing."""
    if not user.is_authenticated or not role_can(user.role, Capability.CASELOAD):
        return CareAssignment.objects.none()
    return CareAssignment.objects.filter(is_active=True).filter(
        Q(clinician=user) | Q(clinician_id__in=supervisions_of(user=user).values("clinician_id"))
    )


def clients_visible_to(*, user):
    """The clients whose records `user` may open: their own (clients), their caseload
    (clinicians), their caseload and their supervisees' (supervisors), nobody else. The
    queryset twin of `access_client`; one row per client, however many assignments reach it."""
    if not user.is_authenticated:
        return User.objects.none()
    if is_client_role(user.role):
        return User.objects.filter(pk=user.pk)
    if role_can(user.role, Capability.CASELOAD):
        reaching = assignments_visible_to(user=user).filter(client=OuterRef("pk"))
        return User.objects.filter(Exists(reaching))
    return User.objects.none()


def caseload_for(*, clinician):
    """The clinician's (or supervisor's) active clients, ordered by name then email: the plain
    list. The ranked triage page is care.selectors.caseload.caseload_rows."""
    return clients_visible_to(user=clinician).order_by("preferred_name", "email")
