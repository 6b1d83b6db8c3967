"""Enrolling people by hand from the console: a manual enrollment (a scholarship or insurance,
no online payment) of an existing client, and inviting a list of new people into a cohort.
Both lock the cohort's row, so seats are counted once however many administrators act at once.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from audit.services import audit_record
from courses.models import Audience, Cohort, Enrollment, EnrollmentSource
from courses.services.enrollment import (
    EnrollmentError,
    cohort_seats_taken,
    enrollment_create,
)

from ..invitations import EmailTaken, Invitee, invite_account


def _locked_cohort(cohort: Cohort, *, seats: int) -> Cohort:
    """The cohort's row, locked, with at least `seats` free; else EnrollmentError."""
    locked = Cohort.objects.select_for_update().select_related("track").get(pk=cohort.pk)
    free = max(locked.capacity - cohort_seats_taken(cohort=locked), 0)
    if seats > free:
        raise EnrollmentError(
            f"{locked.name} has {free} free seat{'s' if free != 1 else ''}; this needs {seats}."
        )
    return locked


@transaction.atomic
def enrollment_manual_create(
    *, client: User, cohort: Cohort, acting_user, now: datetime
) -> Enrollment:
    """Enroll an existing client in a cohort without online payment (marked manual, so billing
    never asks them to pay) at `now`, if the cohort has a seat; audited (by
    enrollment_create). Raises EnrollmentError."""
    locked = _locked_cohort(cohort, seats=1)
    return enrollment_create(
        client=client,
        track=locked.track,
        cohort=locked,
        source=EnrollmentSource.MANUAL,
        acting_user=acting_user,
        now=now,
    )


@transaction.atomic
def invite_into_cohort(
    *, invitees: Sequence[Invitee], cohort: Cohort, acting_user, now: datetime
) -> list[Enrollment]:
    """Create an account for each person (no usable password, their time zone the cohort's),
    enroll them in `cohort` manually, and put their invitation (a link to choose a password) in
    the outbox, all at `now` in one transaction: when anyone cannot be invited (no seat, an
    address taken meanwhile) nobody is, and EnrollmentError says why. Audited."""
    if not invitees:
        raise EnrollmentError("Nobody to invite.")
    locked = _locked_cohort(cohort, seats=len(invitees))
    role = Role.PARTNER if locked.track.audience == Audience.PARTNER else Role.CLIENT
    enrollments = []
    for invitee in invitees:
        try:
            user = invite_account(
                email=invitee.email,
                preferred_name=invitee.name,
                role=role,
                timezone=locked.timezone,
                acting_user=acting_user,
                now=now,
            )
        except EmailTaken:
            raise EnrollmentError(
                f"Line {invitee.line}: {invitee.email} already has an account."
            ) from None
        enrollments.append(
            enrollment_create(
                client=user,
                track=locked.track,
                cohort=locked,
                source=EnrollmentSource.MANUAL,
                acting_user=acting_user,
                now=now,
            )
        )
    audit_record(
        action="ops.invited",
        actor=acting_user,
        target=locked,
        metadata={"count": len(invitees)},
    )
    return enrollments
