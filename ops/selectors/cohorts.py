"""What the cohort pages read: the list (one query for the cohorts with their seat counts, one
for their clinicians, however many cohorts there are) and a cohort's roster (names, week and
status only: no clinical detail)."""

from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from accounts.models import User
from accounts.roles import Capability, Role, role_can
from accounts.selectors import users_with_roles
from courses.models import SEAT_STATUSES, Cohort, Enrollment

CASELOAD_ROLES = tuple(role for role in Role.values if role_can(role, Capability.CASELOAD))


def cohorts_for_console() -> QuerySet[Cohort]:
    """Every cohort, newest start first, with its track, `seats_taken` and `leads` (its
    clinicians by name): 2 queries when evaluated."""
    return (
        Cohort.objects.select_related("track")
        .annotate(seats_taken=Count("enrollments", filter=Q(enrollments__status__in=SEAT_STATUSES)))
        .prefetch_related(
            Prefetch(
                "clinicians",
                queryset=User.objects.order_by("preferred_name", "email"),
                to_attr="leads",
            )
        )
        .order_by("-start_date", "name")
    )


def clinician_choices() -> QuerySet[User]:
    """Who may lead a cohort: active clinicians and clinical supervisors."""
    return users_with_roles(*CASELOAD_ROLES)


@dataclass(frozen=True)
class RosterRow:
    name: str
    week: int  # the latest week open to them, 0 before week 1 opens
    weeks: int
    status: str  # the enrollment status's label


def cohort_roster(*, cohort: Cohort) -> list[RosterRow]:
    """The cohort's clients, by name: who, which week they are in of how many, and the
    enrollment's status (1 query)."""
    enrollments = (
        Enrollment.objects.filter(cohort=cohort)
        .select_related("client", "track")
        .annotate(latest_week=Max("releases__module__week"))
        .order_by("client__preferred_name", "client__email", "pk")
    )
    return [
        RosterRow(
            name=e.client.preferred_name or e.client.email,
            week=e.latest_week or 0,
            weeks=e.track.weeks,
            status=e.get_status_display(),
        )
        for e in enrollments
    ]
