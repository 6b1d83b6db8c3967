"""Reads of sessions: which a client has (their cohorts' group sessions while they are in the
program, and their individual sessions), their schedule in their own zone, and a cohort's series
and upcoming sessions for the console. Each costs a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from accounts.models import User
from courses.models import Cohort, Enrollment, EnrollmentStatus

from .generation import weeks_of
from .models import Occurrence, OccurrenceStatus, SeriesKind, SessionSeries
from .services import join_is_open

# A client sees their cohort's group sessions while their enrollment is in one of these.
IN_PROGRAM = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
SCHEDULE_DAYS = 28
HOME_DAYS = 7
HOME_SESSIONS = 3


def series_of_client(*, client: User) -> QuerySet[SessionSeries]:
    """The series whose sessions are `client`'s: the group series of each cohort they are in
    (an active or paused enrollment) and their own individual series."""
    cohorts = Enrollment.objects.filter(
        client=client, status__in=IN_PROGRAM, cohort__isnull=False
    ).values("cohort_id")
    return SessionSeries.objects.filter(
        Q(kind=SeriesKind.GROUP, cohort_id__in=cohorts)
        | Q(kind=SeriesKind.INDIVIDUAL, client=client)
    )


def occurrences_of_client(*, client: User) -> QuerySet[Occurrence]:
    """Every session of `client`'s series (the queryset twin of access_client_occurrence)."""
    return Occurrence.objects.filter(series__in=series_of_client(client=client))


@dataclass(frozen=True)
class SessionRow:
    """One session as the client sees it, in their own zone."""

    occurrence: Occurrence
    title: str
    starts: datetime
    ends: datetime
    planned: datetime | None
    cancelled: bool
    moved: bool
    join_open: bool
    ended: bool


def _row(occurrence: Occurrence, *, zone: ZoneInfo, now: datetime) -> SessionRow:
    planned = occurrence.planned_starts_at
    return SessionRow(
        occurrence=occurrence,
        title=session_title(occurrence.series),
        starts=occurrence.starts_at.astimezone(zone),
        ends=occurrence.ends_at.astimezone(zone),
        planned=planned.astimezone(zone) if planned else None,
        cancelled=occurrence.status == OccurrenceStatus.CANCELLED,
        moved=occurrence.status == OccurrenceStatus.MOVED,
        join_open=join_is_open(occurrence=occurrence, now=now),
        ended=occurrence.ends_at <= now,
    )


def session_title(series: SessionSeries) -> str:
    """A neutral name: nothing about the program or anyone's condition (L-1)."""
    return "Group session" if series.kind == SeriesKind.GROUP else "Appointment"


def _start_of_local_day(now: datetime, zone: ZoneInfo) -> datetime:
    day: date = now.astimezone(zone).date()
    return datetime.combine(day, time(0), tzinfo=zone)


def client_sessions(*, client: User, now: datetime, days: int = SCHEDULE_DAYS) -> list[SessionRow]:
    """The client's sessions from the start of their today for `days` days, in their zone,
    cancelled and moved ones included (one query)."""
    zone = ZoneInfo(client.timezone)
    start = _start_of_local_day(now, zone)
    found = (
        occurrences_of_client(client=client)
        .filter(ends_at__gt=start, starts_at__lt=start + timedelta(days=days))
        .select_related("series")
        .order_by("starts_at", "pk")
    )
    return [_row(occurrence, zone=zone, now=now) for occurrence in found]


def client_next_sessions(*, client: User, now: datetime) -> list[SessionRow]:
    """Up to three of the client's sessions not yet over in the next seven days, cancelled ones
    left out (one query)."""
    zone = ZoneInfo(client.timezone)
    found = (
        occurrences_of_client(client=client)
        .filter(ends_at__gt=now, starts_at__lt=now + timedelta(days=HOME_DAYS))
        .exclude(status=OccurrenceStatus.CANCELLED)
        .select_related("series")
        .order_by("starts_at", "pk")[:HOME_SESSIONS]
    )
    return [_row(occurrence, zone=zone, now=now) for occurrence in found]


def client_series(*, client: User) -> list[SessionSeries]:
    """The client's series, for their calendar downloads (one query)."""
    return list(series_of_client(client=client).order_by("kind", "weekday", "start_time", "pk"))


@dataclass(frozen=True)
class CohortSessions:
    series: list[SessionSeries]
    upcoming: list[Occurrence]


def cohort_sessions(*, cohort: Cohort, now: datetime) -> CohortSessions:
    """A cohort's group series with their clinicians, and their sessions not yet over (two
    queries)."""
    series = list(
        SessionSeries.objects.filter(cohort=cohort, kind=SeriesKind.GROUP)
        .select_related("clinician")
        .order_by("weekday", "start_time", "pk")
    )
    upcoming = list(
        Occurrence.objects.filter(series__cohort=cohort, ends_at__gt=now)
        .select_related("series", "clinician")
        .order_by("starts_at", "pk")
    )
    return CohortSessions(series=series, upcoming=upcoming)


def cohort_series_initial(*, cohort: Cohort) -> dict[str, object]:
    """A new group series as the cohort already describes it: its weekly meeting day and time,
    and the track's weeks from the cohort's start; led by its first clinician."""
    first, last = weeks_of(start=cohort.start_date, weeks=cohort.track.weeks)
    clinician = cohort.clinicians.order_by("pk").first()
    return {
        "weekday": "" if cohort.meeting_weekday is None else str(cohort.meeting_weekday),
        "start_time": cohort.meeting_time,
        "length_minutes": 90,
        "active_from": first,
        "active_until": last,
        "clinician": clinician.pk if clinician else None,
    }
