"""Cohorts, as administrators run them: create and edit with the rules that keep them sound,
and the cohort's clinicians following its clients (care assignments).

Rules (cohort_check): a name unique per track whatever its case; capacity from 1 and never below
the seats taken (courses.services.enrollment.cohort_seats_taken); clinicians are people who hold a
caseload (clinicians and clinical supervisors), active; a time zone from the zone database; a
meeting weekday and time both given or neither. Once people are enrolled the track is fixed, and
the start date is fixed once the cohort has begun (in its own zone); moving an upcoming cohort
moves its clients' weeks with it (as the Django admin does), and a new time zone moves its weekly
sessions still to come with it (meetings.services.cohort_series_follow_timezone: the same
wall-clock time in the new zone).

Assignments: every clinician of a cohort follows every client with a live enrollment in it. A
clinician added to a cohort is assigned its clients; one removed has those assignments ended
(care_assignment_end keeps the row, inactive with its end time, so the trail stays), unless the
clinician still leads another cohort the client is live in. A client placed in a cohort later
(enrollment_create with a cohort, or placement on payment) is assigned to its clinicians through
the courses event EnrollmentJoinedCohort, subscribed in ops/apps.py.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.roles import Capability, role_can
from accounts.validators import validate_timezone
from audit.services import audit_record
from care.models import CareAssignment
from care.services import care_assignment_create, care_assignment_end
from core.errors import FieldError
from courses.events import EnrollmentJoinedCohort
from courses.models import LIVE_STATUSES, Cohort, Enrollment, Track
from courses.services.enrollment import cohort_seats_taken
from courses.services.releases import enrollment_reschedule_and_release
from meetings.services import cohort_series_follow_timezone

MAX_CAPACITY = 500


class CohortError(FieldError):
    """The cohort cannot be stored as asked."""


@dataclass(frozen=True)
class CohortFields:
    """What an administrator sets on a cohort."""

    track: Track
    name: str
    start_date: date
    capacity: int
    timezone: str
    meeting_weekday: int | None
    meeting_time: time | None
    clinicians: tuple[User, ...]


def cohort_check(*, fields: CohortFields, cohort: Cohort | None, now: datetime) -> None:
    """Raise CohortError (with the field it is about) if `fields` cannot be stored on `cohort`
    (None: a new cohort) at `now`."""
    name = fields.name.strip()
    if not name:
        raise CohortError("Give the cohort a name.", field="name")
    same_name = Cohort.objects.filter(track=fields.track, name__iexact=name)
    if cohort is not None:
        same_name = same_name.exclude(pk=cohort.pk)
    if same_name.exists():
        raise CohortError("This track already has a cohort with that name.", field="name")
    try:
        validate_timezone(fields.timezone)
    except ValidationError:
        raise CohortError("Choose a time zone from the list.", field="timezone") from None
    if not 1 <= fields.capacity <= MAX_CAPACITY:
        raise CohortError(f"Choose a capacity from 1 to {MAX_CAPACITY}.", field="capacity")
    if (fields.meeting_weekday is None) != (fields.meeting_time is None):
        raise CohortError(
            "Give both the meeting day and its time, or leave both empty.", field="meeting_time"
        )
    if fields.meeting_weekday is not None and not 0 <= fields.meeting_weekday <= 6:
        raise CohortError("Choose a day of the week.", field="meeting_weekday")
    for person in fields.clinicians:
        if not (person.is_active and role_can(person.role, Capability.CASELOAD)):
            raise CohortError("Choose clinicians or clinical supervisors only.", field="clinicians")
    if cohort is None:
        return
    enrolled = cohort.enrollments.exists()
    taken = cohort_seats_taken(cohort=cohort)
    if fields.capacity < taken:
        raise CohortError(
            f"{taken} seats are taken: the capacity cannot be lower.", field="capacity"
        )
    if enrolled and fields.track.pk != cohort.track_id:
        raise CohortError("People are enrolled: the track stays as it is.", field="track")
    if enrolled and fields.start_date != cohort.start_date:
        today = now.astimezone(ZoneInfo(cohort.timezone)).date()
        if cohort.start_date <= today:
            raise CohortError(
                "The cohort has begun: its start date stays as it is.", field="start_date"
            )
        if fields.start_date < today:
            raise CohortError(
                f"Choose a day from today on ({today.day} {today:%B %Y}): people are enrolled.",
                field="start_date",
            )


def _store(cohort: Cohort, fields: CohortFields) -> None:
    cohort.track = fields.track
    cohort.name = fields.name.strip()
    cohort.start_date = fields.start_date
    cohort.capacity = fields.capacity
    cohort.timezone = fields.timezone
    cohort.meeting_weekday = fields.meeting_weekday
    cohort.meeting_time = fields.meeting_time
    try:
        with transaction.atomic():
            cohort.save()
    except IntegrityError:
        # Another administrator took the name a moment ago.
        raise CohortError("This track already has a cohort with that name.", field="name") from None


def _live_client_ids(cohort: Cohort) -> list[int]:
    return list(
        Enrollment.objects.filter(cohort=cohort, status__in=LIVE_STATUSES)
        .order_by("client_id")
        .values_list("client_id", flat=True)
        .distinct()
    )


def _assign(*, clinicians, client_ids: list[int], acting_user) -> int:
    """Each clinician follows each client; returns how many pairs were asked for."""
    clients = list(User.objects.filter(pk__in=client_ids).order_by("pk"))
    for clinician in clinicians:
        for client in clients:
            care_assignment_create(clinician=clinician, client=client, acting_user=acting_user)
    return len(clients) * len(clinicians)


def _unassign(*, cohort: Cohort, clinicians, acting_user, now: datetime) -> int:
    """End the assignments of `clinicians` (removed from `cohort`) to the cohort's clients,
    except where the clinician still leads another cohort the client is live in. Returns how
    many were ended."""
    client_ids = set(Enrollment.objects.filter(cohort=cohort).values_list("client_id", flat=True))
    ended = 0
    for clinician in clinicians:
        kept = set(
            Enrollment.objects.filter(
                cohort__clinicians=clinician,
                client_id__in=client_ids,
                status__in=LIVE_STATUSES,
            )
            .exclude(cohort=cohort)
            .values_list("client_id", flat=True)
        )
        for assignment in CareAssignment.objects.filter(
            clinician=clinician, client_id__in=client_ids - kept, is_active=True
        ).order_by("pk"):
            care_assignment_end(assignment=assignment, acting_user=acting_user, now=now)
            ended += 1
    return ended


def _ids(people) -> str:
    """People's ids for the audit trail ("3,7"), or how many when the list is too long."""
    ids = ",".join(str(pk) for pk in sorted(p.pk for p in people))
    return ids if len(ids) <= 200 else f"{len(people)} people"


@transaction.atomic
def cohort_create(*, fields: CohortFields, acting_user: User, now: datetime) -> Cohort:
    """Create a cohort with its clinicians at `now`; audited. Raises CohortError."""
    cohort_check(fields=fields, cohort=None, now=now)
    cohort = Cohort()
    _store(cohort, fields)
    cohort.clinicians.set(fields.clinicians)
    audit_record(
        action="ops.cohort_created",
        actor=acting_user,
        target=cohort,
        metadata={
            "track": fields.track.pk,
            "capacity": cohort.capacity,
            "clinicians": _ids(fields.clinicians),
        },
    )
    return cohort


@transaction.atomic
def cohort_update(
    *, cohort: Cohort, fields: CohortFields, acting_user: User, now: datetime
) -> Cohort:
    """Change a cohort at `now` under a row lock (so capacity is checked against the seats
    taken at that moment); clinicians added follow its live clients and clinicians removed stop
    following them; an upcoming cohort's new start date moves its clients' weeks. Audited (the
    fields that changed, and the clinicians added and removed). Raises CohortError."""
    locked = Cohort.objects.select_for_update().get(pk=cohort.pk)
    cohort_check(fields=fields, cohort=locked, now=now)
    before = {
        "track": locked.track_id,
        "name": locked.name,
        "start_date": locked.start_date,
        "capacity": locked.capacity,
        "timezone": locked.timezone,
        "meeting_weekday": locked.meeting_weekday,
        "meeting_time": locked.meeting_time,
    }
    old_clinicians = {c.pk: c for c in locked.clinicians.all()}
    _store(locked, fields)
    after = {
        "track": locked.track_id,
        "name": locked.name,
        "start_date": locked.start_date,
        "capacity": locked.capacity,
        "timezone": locked.timezone,
        "meeting_weekday": locked.meeting_weekday,
        "meeting_time": locked.meeting_time,
    }
    new_clinicians = {c.pk: c for c in fields.clinicians}
    added = [new_clinicians[pk] for pk in sorted(set(new_clinicians) - set(old_clinicians))]
    removed = [old_clinicians[pk] for pk in sorted(set(old_clinicians) - set(new_clinicians))]
    locked.clinicians.set(fields.clinicians)
    if before["start_date"] != after["start_date"]:
        for enrollment in locked.enrollments.filter(status__in=LIVE_STATUSES).order_by("pk"):
            enrollment_reschedule_and_release(enrollment=enrollment, now=now)
    if before["timezone"] != after["timezone"]:
        # Its weekly sessions keep their wall-clock time in the new zone (those still to come).
        cohort_series_follow_timezone(cohort=locked, acting_user=acting_user, now=now)
    _assign(clinicians=added, client_ids=_live_client_ids(locked), acting_user=acting_user)
    ended = _unassign(cohort=locked, clinicians=removed, acting_user=acting_user, now=now)
    audit_record(
        action="ops.cohort_updated",
        actor=acting_user,
        target=locked,
        metadata={
            "changed": ",".join(sorted(k for k in before if before[k] != after[k])),
            "clinicians_added": _ids(added),
            "clinicians_removed": _ids(removed),
            "assignments_ended": ended,
        },
    )
    return locked


def cohort_clinicians_follow_enrollment(event: EnrollmentJoinedCohort) -> None:
    """A client placed in a cohort is followed by each of its clinicians (subscribed to
    courses' EnrollmentJoinedCohort in ops/apps.py; runs in the placement's transaction)."""
    cohort = Cohort.objects.get(pk=event.cohort_id)
    acting_user = (
        User.objects.filter(pk=event.acting_user_id).first()
        if event.acting_user_id is not None
        else None
    )
    clinicians = [
        person
        for person in cohort.clinicians.filter(is_active=True).order_by("pk")
        if role_can(person.role, Capability.CASELOAD)
    ]
    _assign(clinicians=clinicians, client_ids=[event.client_id], acting_user=acting_user)
