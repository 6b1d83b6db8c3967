"""Reads about attendance: who a session is for, the sessions a clinician runs, a client's own
attendance, and the clients whose last two group sessions were absences (the caseload's reason
and the care team's alert share this one definition)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from accounts.models import User
from courses.models import Enrollment, EnrollmentStatus

from .models import Attendance, AttendanceStatus, Occurrence, SeriesKind

# A cohort's enrollments that count as in the group on a session's date (a pending payment has
# not begun; a withdrawn or cancelled one has left).
IN_GROUP_STATUSES = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.PAUSED,
    EnrollmentStatus.COMPLETED,
)
# "Missed in a row": the client's latest MISSED_IN_A_ROW group sessions with attendance marked
# were all absences (excused is not missed).
MISSED_IN_A_ROW = 2
# How many sessions the clinician's list shows each side of now.
RECENT_SHOWN = 20
UPCOMING_SHOWN = 10


def occurrence_length(occurrence: Occurrence) -> int:
    """The session's length in whole minutes (a moved session keeps its series' length)."""
    return int((occurrence.ends_at - occurrence.starts_at).total_seconds() // 60)


def occurrences_led_by(*, user: User) -> QuerySet[Occurrence]:
    """The sessions `user` runs (Occurrence.clinician): the only ones whose attendance they may
    open and write."""
    if not user.is_authenticated:
        return Occurrence.objects.none()
    return Occurrence.objects.filter(clinician_id=user.pk)


def clinician_sessions(*, user: User, now: datetime) -> tuple[list[Occurrence], list[Occurrence]]:
    """The sessions `user` runs: the RECENT_SHOWN latest that have begun (newest first) and the
    next UPCOMING_SHOWN (soonest first), each with its series, cohort and client, and `marked`,
    how many clients have attendance. Two queries whatever the number of sessions."""
    sessions = (
        occurrences_led_by(user=user)
        .select_related("series__cohort", "series__client")
        .annotate(marked=Count("attendances"))
    )
    recent: list[Occurrence] = list(
        sessions.filter(starts_at__lte=now).order_by("-starts_at", "-pk")[:RECENT_SHOWN]
    )
    upcoming: list[Occurrence] = list(
        sessions.filter(starts_at__gt=now).order_by("starts_at", "pk")[:UPCOMING_SHOWN]
    )
    return recent, upcoming


def session_clients(*, occurrence: Occurrence) -> list[User]:
    """Who the session is for, by name then email: a group session's cohort members on its date
    (an enrollment in IN_GROUP_STATUSES begun by then) and anyone already marked at it (so an
    attendance stays correctable after a client leaves); an individual session's client. One
    query (the series is loaded with the occurrence)."""
    series = occurrence.series
    if series.kind == SeriesKind.INDIVIDUAL:
        return [series.client] if series.client is not None else []
    members = Enrollment.objects.filter(
        cohort=series.cohort_id,
        status__in=IN_GROUP_STATUSES,
        start_date__lte=occurrence.local_date,
    ).values("client_id")
    marked = Attendance.objects.filter(occurrence=occurrence).values("client_id")
    return list(
        User.objects.filter(Q(pk__in=members) | Q(pk__in=marked)).order_by(
            "preferred_name", "email", "pk"
        )
    )


def attendance_by_client(*, occurrence: Occurrence) -> dict[int, Attendance]:
    """The session's attendance rows by client id (one query)."""
    return {row.client_id: row for row in Attendance.objects.filter(occurrence=occurrence)}


@dataclass(frozen=True)
class MyAttendance:
    """One row of a client's own attendance list."""

    starts_at: datetime  # in the client's zone
    kind: str  # the series' kind label
    status: str
    status_label: str
    minutes: int
    length: int


def client_attendance(*, client: User, zone, limit: int | None = None) -> list[MyAttendance]:
    """The client's own attendance, newest session first (the newest `limit` of it), times in
    `zone` (one query)."""
    rows = (
        Attendance.objects.filter(client=client)
        .select_related("occurrence__series")
        .order_by("-occurrence__starts_at", "-pk")
    )[:limit]
    return [
        MyAttendance(
            starts_at=row.occurrence.starts_at.astimezone(zone),
            kind=row.occurrence.series.get_kind_display(),
            status=row.status,
            status_label=row.get_status_display(),
            minutes=row.minutes,
            length=occurrence_length(row.occurrence),
        )
        for row in rows
    ]


def missed_in_a_row(*, client_ids: list[int]) -> dict[int, int]:
    """The listed clients whose latest MISSED_IN_A_ROW group sessions with attendance were all
    absences, each with the latest of those sessions' id (one query: a window function keeps
    each client's latest rows)."""
    if not client_ids:
        return {}
    latest = (
        Attendance.objects.filter(
            client_id__in=client_ids, occurrence__series__kind=SeriesKind.GROUP
        )
        .annotate(
            nth=Window(
                RowNumber(),
                partition_by=[F("client_id")],
                order_by=[F("occurrence__starts_at").desc(), F("pk").desc()],
            )
        )
        .filter(nth__lte=MISSED_IN_A_ROW)
        .values_list("client_id", "nth", "status", "occurrence_id")
    )
    seen: dict[int, list[tuple[int, str, int]]] = {}
    for client_id, nth, status, occurrence_id in latest:
        seen.setdefault(client_id, []).append((nth, status, occurrence_id))
    found = {}
    for client_id, rows in seen.items():
        rows.sort()
        if len(rows) == MISSED_IN_A_ROW and all(s == AttendanceStatus.ABSENT for _, s, _ in rows):
            found[client_id] = rows[0][2]
    return found
