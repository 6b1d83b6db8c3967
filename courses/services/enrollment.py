"""Enrollment state: created and moved only through an allowed-transition map (I-2)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.roles import Role
from audit.services import audit_record
from core.events import publish
from courses.events import EnrollmentJoinedCohort
from courses.models import (
    SEAT_STATUSES,
    Audience,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Track,
)

from .releases import enrollment_release_due_modules, enrollment_reschedule_and_release

S = EnrollmentStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.PAUSED, S.COMPLETED, S.WITHDRAWN}),
    S.PAUSED: frozenset({S.ACTIVE, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CANCELLED: frozenset(),
}


class EnrollmentError(ValueError):
    """The enrollment change is not allowed."""


def cohort_seats_taken(*, cohort: Cohort) -> int:
    """How many seats of `cohort` are taken: its enrollments in SEAT_STATUSES."""
    return Enrollment.objects.filter(cohort=cohort, status__in=SEAT_STATUSES).count()


def enrollment_check(*, client, track: Track, cohort: Cohort | None, start_date, status) -> None:
    """Raise EnrollmentError if this person, track, cohort and status cannot make an enrollment."""
    expected = Role.PARTNER if track.audience == Audience.PARTNER else Role.CLIENT
    if client.role != expected:
        raise EnrollmentError(f"This track is for {track.get_audience_display().lower()}.")
    if cohort is not None and cohort.track_id != track.pk:
        raise EnrollmentError("That cohort runs another track.")
    if cohort is None and start_date is None:
        raise EnrollmentError("Rolling enrollment needs a start date.")
    if status not in (S.ACTIVE, S.PENDING_PAYMENT):
        raise EnrollmentError("A new enrollment starts active or waiting for payment.")
    if Enrollment.objects.filter(
        client=client, track=track, status__in=(S.PENDING_PAYMENT, S.ACTIVE, S.PAUSED)
    ).exists():
        raise EnrollmentError("This client already has a live enrollment on this track.")


@transaction.atomic
def enrollment_create(
    *,
    client,
    track: Track,
    start_date: date | None = None,
    cohort: Cohort | None = None,
    status: str = S.ACTIVE,
    acting_user=None,
    now: datetime,
) -> Enrollment:
    """Enroll a client on a track, in a cohort or on rolling enrollment at `now` (whatever is
    already due opens at once); audited.

    Raises EnrollmentError when the person, track or cohort do not fit, or when the client already
    has a live enrollment on the track.
    """
    enrollment_check(
        client=client, track=track, cohort=cohort, start_date=start_date, status=status
    )
    anchor = start_date if start_date is not None else cohort.start_date  # type: ignore[union-attr]  # enrollment_check: a cohort when no start date
    enrollment = Enrollment(
        client=client,
        track=track,
        cohort=cohort,
        status=status,
        start_date=anchor,
        created_at=now,
    )
    try:
        enrollment.full_clean(validate_constraints=False)
        with transaction.atomic():
            enrollment.save()
    except (IntegrityError, ValidationError):
        raise EnrollmentError("This client already has a live enrollment on this track.") from None
    enrollment_reschedule_and_release(enrollment=enrollment, now=now)
    enrollment.refresh_from_db()
    audit_record(
        action="enrollment.created",
        actor=acting_user,
        subject=client,
        target=enrollment,
        metadata={"track": track.slug, "cohort": cohort.pk if cohort else None},
    )
    if cohort is not None:
        publish(
            EnrollmentJoinedCohort(
                enrollment_id=enrollment.pk,
                client_id=client.pk,
                cohort_id=cohort.pk,
                acting_user_id=acting_user.pk if acting_user is not None else None,
            )
        )
    return enrollment


def _move(
    *, enrollment: Enrollment, status: str, acting_user, only_from: str | None = None
) -> Enrollment:
    """Lock the enrollment and move it along the allowed-transition map (and only from
    `only_from`, when given); audited. Returns the locked row; raises EnrollmentError. The caller
    decides what opens."""
    current = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    allowed = status in ALLOWED_TRANSITIONS.get(current.status, frozenset())
    if not allowed or only_from not in (None, current.status):
        raise EnrollmentError(f"An enrollment cannot go from {current.status} to {status}.")
    old = current.status
    current.status = status
    current.save(update_fields=["status"])
    enrollment.status = status
    audit_record(
        action="enrollment.status_changed",
        actor=acting_user,
        subject=current.client,
        target=current,
        metadata={"from": old, "to": status},
    )
    return current


@transaction.atomic
def enrollment_set_status(
    *, enrollment: Enrollment, status: str, acting_user, now: datetime
) -> Enrollment:
    """Move an enrollment along the allowed-transition map at `now` and reschedule it (an
    enrollment made active again opens what is due); audited. Raises EnrollmentError."""
    current = _move(enrollment=enrollment, status=status, acting_user=acting_user)
    enrollment_reschedule_and_release(enrollment=current, now=now)
    return current


@transaction.atomic
def enrollment_activate(*, enrollment: Enrollment, acting_user, now: datetime) -> Enrollment:
    """Move a pending enrollment to active and open whatever is due at `now`, which is week 1
    on its start day (a cohort that starts later opens its week 1 on its own start day, from
    the sweep). What payment grants; audited. Raises EnrollmentError unless the enrollment is
    waiting for payment."""
    current = _move(
        enrollment=enrollment,
        status=S.ACTIVE,
        acting_user=acting_user,
        only_from=S.PENDING_PAYMENT,
    )
    fresh = Enrollment.objects.select_related("track", "cohort", "client").get(pk=current.pk)
    enrollment_release_due_modules(enrollment=fresh, now=now)
    return current


@transaction.atomic
def enrollment_place(*, enrollment: Enrollment, now: datetime) -> Enrollment:
    """Place an enrollment in the next cohort of its track with a free seat, or on rolling
    enrollment from the client's own today at `now`. Cohort rows are locked in start order, so
    concurrent placements never overfill a cohort."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=enrollment.pk)
    )
    # The client's own today: someone paying at 8:30 pm in New York starts today, not on the
    # next UTC day.
    today = enrollment.client.local_date(now)
    if enrollment.cohort_id is not None:
        return enrollment
    candidates = (
        Cohort.objects.select_for_update()
        .filter(track_id=enrollment.track_id, start_date__gte=today)
        .order_by("start_date", "pk")
    )
    for cohort in candidates:
        if cohort_seats_taken(cohort=cohort) < cohort.capacity:
            enrollment.cohort = cohort
            enrollment.start_date = cohort.start_date
            enrollment.save(update_fields=["cohort", "start_date"])
            publish(
                EnrollmentJoinedCohort(
                    enrollment_id=enrollment.pk,
                    client_id=enrollment.client_id,
                    cohort_id=cohort.pk,
                    acting_user_id=None,
                )
            )
            break
    else:
        enrollment.start_date = today
        enrollment.save(update_fields=["start_date"])
    return enrollment
