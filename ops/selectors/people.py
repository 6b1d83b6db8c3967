"""What the people pages read: the list of accounts (searched and filtered; a page of it costs
two queries however many people there are), one person's care team, enrollments and clinical
supervision (one query each), and who may be chosen for each. Account facts only: no clinical
detail."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.roles import Capability, Role, is_client_role, role_can
from accounts.selectors import users_with_roles
from care.models import CareAssignment, Supervision
from courses.models import Enrollment

from .cohorts import clinician_choices

SUPERVISOR_ROLES = tuple(role for role in Role.values if role_can(role, Capability.SUPERVISE))


def people_for_console(*, query: str = "", role: str = "", active: bool | None = None):
    """Accounts by email, those whose email or preferred name contains `query` (any case),
    holding `role` (empty: any) and active or not (None: both)."""
    people = User.objects.order_by("email", "pk")
    if query:
        people = people.filter(Q(email__icontains=query) | Q(preferred_name__icontains=query))
    if role:
        people = people.filter(role=role)
    if active is not None:
        people = people.filter(is_active=active)
    return people


@dataclass(frozen=True)
class PersonLinks:
    """Whom a person is linked to: their care team and enrollments (a client), whom they are
    supervised by and whom they supervise (a clinician or supervisor). Active links only."""

    care_team: list[CareAssignment]
    enrollments: list[Enrollment]
    supervised_by: list[Supervision]
    supervises: list[Supervision]


def person_links(*, person: User) -> PersonLinks:
    """One query per kind of link, none for a kind the person's role cannot have."""
    care_team: list[CareAssignment] = []
    enrollments: list[Enrollment] = []
    supervised_by: list[Supervision] = []
    supervises: list[Supervision] = []
    if is_cared_for(person):
        care_team = list(
            CareAssignment.objects.filter(client=person, is_active=True)
            .select_related("clinician")
            .order_by("clinician__preferred_name", "clinician__email", "pk")
        )
        enrollments = list(
            Enrollment.objects.filter(client=person)
            .select_related("track", "cohort")
            .order_by("-created_at", "-pk")
        )
    if role_can(person.role, Capability.CASELOAD):
        supervised_by = list(
            Supervision.objects.filter(clinician=person, is_active=True)
            .select_related("supervisor")
            .order_by("supervisor__preferred_name", "supervisor__email", "pk")
        )
    if role_can(person.role, Capability.SUPERVISE):
        supervises = list(
            Supervision.objects.filter(supervisor=person, is_active=True)
            .select_related("clinician")
            .order_by("clinician__preferred_name", "clinician__email", "pk")
        )
    return PersonLinks(care_team, enrollments, supervised_by, supervises)


def is_cared_for(person: User) -> bool:
    """Whether the person can have a care team (clients and partners)."""
    return is_client_role(person.role)


def care_team_choices() -> QuerySet[User]:
    """Who may join a client's care team: active clinicians and clinical supervisors."""
    return clinician_choices()


def supervisor_choices(*, person: User) -> QuerySet[User]:
    """Who may supervise `person`: active people whose role may supervise, not themselves."""
    return users_with_roles(*SUPERVISOR_ROLES).exclude(pk=person.pk)
