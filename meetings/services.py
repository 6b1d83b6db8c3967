"""Writes about sessions: a cohort's group series (created, changed), one-off changes to one
session (cancel, move), a clinician's individual sessions with one client, and a client joining.

Every write takes `now`, runs in one transaction and is audited (never the video link). The
rule for generating and regenerating sessions is in meetings/models.py; a change to a series
rewrites only sessions that start after `now`.

Who may: the callers decide. The console's pages (ops) let administrators run cohorts' series;
care's booking page lets a clinician book only for a client in their care
(`care.permissions.access_client` runs before `individual_session_book`, which cannot check it
itself: meetings sits below care). The services still refuse what is never right whoever asks:
a group series led by someone who is not one of the cohort's clinicians, a session in the past.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction

from accounts.models import User
from accounts.roles import Capability, role_can
from audit.models import Action
from audit.services import audit_record
from courses.models import Cohort

from .generation import MAX_MEETINGS, meeting_days, session_instants
from .models import (
    MAX_LENGTH_MINUTES,
    Occurrence,
    OccurrenceStatus,
    SeriesKind,
    SessionSeries,
)

# The Join button opens this long before the start, and closes at the end.
JOIN_OPENS_BEFORE = timedelta(minutes=10)
# An individual booking repeats weekly at most this many times.
MAX_BOOKED_WEEKS = 26


class SessionError(ValueError):
    """The change cannot be made as asked; `field` names the form field it is about ("" for the
    form as a whole)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SeriesFields:
    """What is set on a series."""

    weekday: int
    start_time: time
    length_minutes: int
    video_url: str
    active_from: date
    active_until: date
    clinician: User


def _check_fields(fields: SeriesFields) -> None:
    if not 1 <= fields.length_minutes <= MAX_LENGTH_MINUTES:
        raise SessionError(
            f"Choose a length from 1 to {MAX_LENGTH_MINUTES} minutes.", field="length_minutes"
        )
    if not fields.video_url.startswith("https://"):
        raise SessionError("The video link must start with https://.", field="video_url")
    if not 0 <= fields.weekday <= 6:
        raise SessionError("Choose a day of the week.", field="weekday")
    if fields.active_until < fields.active_from:
        raise SessionError("The last day comes on or after the first.", field="active_until")
    days = meeting_days(
        weekday=fields.weekday, active_from=fields.active_from, active_until=fields.active_until
    )
    if not days:
        raise SessionError("No such weekday falls between these dates.", field="active_until")
    if len(days) > MAX_MEETINGS:
        raise SessionError(
            f"A series holds at most {MAX_MEETINGS} sessions: choose a nearer last day.",
            field="active_until",
        )
    person = fields.clinician
    if not (person.is_active and role_can(person.role, Capability.CASELOAD)):
        raise SessionError("Choose a clinician or a clinical supervisor.", field="clinician")


def _check_cohort_clinician(cohort: Cohort, clinician: User) -> None:
    if not cohort.clinicians.filter(pk=clinician.pk).exists():
        raise SessionError("Choose one of the cohort's clinicians.", field="clinician")


def _store(series: SessionSeries, fields: SeriesFields, *, now: datetime) -> None:
    series.weekday = fields.weekday
    series.start_time = fields.start_time
    series.length_minutes = fields.length_minutes
    series.video_url = fields.video_url
    series.active_from = fields.active_from
    series.active_until = fields.active_until
    series.clinician = fields.clinician
    series.updated_at = now
    series.save()


def _generate(series: SessionSeries, *, after: datetime | None) -> int:
    """Create the series' missing sessions (one per meeting day), only those starting after
    `after` (None: every one). Idempotent: a meeting day that has its session is left alone.
    Returns how many were created."""
    have = set(series.occurrences.values_list("local_date", flat=True))
    new = []
    for day in meeting_days(
        weekday=series.weekday, active_from=series.active_from, active_until=series.active_until
    ):
        if day in have:
            continue
        starts_at, ends_at = session_instants(
            day=day,
            start_time=series.start_time,
            tz=series.timezone,
            length_minutes=series.length_minutes,
        )
        if after is not None and starts_at <= after:
            continue
        new.append(
            Occurrence(
                series=series,
                local_date=day,
                starts_at=starts_at,
                ends_at=ends_at,
                clinician_id=series.clinician_id,
            )
        )
    Occurrence.objects.bulk_create(new)
    return len(new)


def _regenerate_future(series: SessionSeries, *, now: datetime) -> tuple[int, int]:
    """Bring the sessions that start after `now` in line with the series as it now is; the
    past is never touched. A session still as planned takes the new day and time; a cancelled
    or moved one keeps its one-off change while its date is still a meeting day (a moved one
    takes the new length); a session whose date is no longer a meeting day is removed.
    Returns (changed or removed, created)."""
    days = set(
        meeting_days(
            weekday=series.weekday,
            active_from=series.active_from,
            active_until=series.active_until,
        )
    )
    length = timedelta(minutes=series.length_minutes)
    touched = 0
    for occurrence in series.occurrences.filter(starts_at__gt=now).order_by("pk"):
        if occurrence.local_date not in days:
            occurrence.delete()
            touched += 1
            continue
        if occurrence.status == OccurrenceStatus.SCHEDULED:
            starts_at, ends_at = session_instants(
                day=occurrence.local_date,
                start_time=series.start_time,
                tz=series.timezone,
                length_minutes=series.length_minutes,
            )
            if starts_at <= now:
                # Today's session, now set to an hour already gone: it will not be held.
                occurrence.delete()
                touched += 1
                continue
            occurrence.starts_at, occurrence.ends_at = starts_at, ends_at
        elif occurrence.status == OccurrenceStatus.MOVED:
            occurrence.ends_at = occurrence.starts_at + length
        occurrence.clinician_id = series.clinician_id
        occurrence.save(update_fields=["starts_at", "ends_at", "clinician"])
        touched += 1
    return touched, _generate(series, after=now)


@transaction.atomic
def series_create(
    *, cohort: Cohort, fields: SeriesFields, acting_user: User | None, now: datetime
) -> SessionSeries:
    """A cohort's recurring group session, with all its sessions from `active_from` (an
    administrator setting up a cohort that has begun records the sessions it has held). Led by
    one of the cohort's clinicians; in the cohort's time zone. Audited. Raises SessionError."""
    _check_fields(fields)
    _check_cohort_clinician(cohort, fields.clinician)
    series = SessionSeries(
        kind=SeriesKind.GROUP,
        cohort=cohort,
        timezone=cohort.timezone,
        created_by=acting_user,
        created_at=now,
    )
    _store(series, fields, now=now)
    created = _generate(series, after=None)
    audit_record(
        action=Action.SESSION_SERIES_CREATED,
        actor=acting_user,
        target=series,
        metadata={"cohort": cohort.pk, "sessions": created},
    )
    return series


_SERIES_FIELDS = (
    "weekday",
    "start_time",
    "length_minutes",
    "video_url",
    "active_from",
    "active_until",
    "clinician_id",
)


@transaction.atomic
def series_update(
    *, series: SessionSeries, fields: SeriesFields, acting_user: User, now: datetime
) -> SessionSeries:
    """Change a series under its row lock; only sessions starting after `now` follow the
    change (meetings/models.py). Audited with the fields that changed. Raises SessionError."""
    locked = SessionSeries.objects.select_for_update().get(pk=series.pk)
    _check_fields(fields)
    if locked.cohort_id is not None:
        _check_cohort_clinician(locked.cohort, fields.clinician)  # type: ignore[arg-type]
    before = {name: getattr(locked, name) for name in _SERIES_FIELDS}
    _store(locked, fields, now=now)
    changed = sorted(name for name in _SERIES_FIELDS if getattr(locked, name) != before[name])
    touched, created = _regenerate_future(locked, now=now)
    audit_record(
        action=Action.SESSION_SERIES_UPDATED,
        actor=acting_user,
        subject=locked.client,
        target=locked,
        metadata={"changed": ",".join(changed), "rewritten": touched, "created": created},
    )
    return locked


def cohort_series_follow_timezone(*, cohort: Cohort, acting_user: User, now: datetime) -> int:
    """After `cohort`'s time zone changed: its group series take the new zone, keeping their
    wall-clock day and time, and their sessions still to come follow (the past stays). Audited
    per series changed; returns how many. Called by the console's cohort_update, in its
    transaction."""
    changed = 0
    for series in (
        SessionSeries.objects.select_for_update()
        .filter(cohort=cohort, kind=SeriesKind.GROUP)
        .exclude(timezone=cohort.timezone)
        .order_by("pk")
    ):
        series.timezone = cohort.timezone
        series.updated_at = now
        series.save(update_fields=["timezone", "updated_at"])
        touched, created = _regenerate_future(series, now=now)
        audit_record(
            action=Action.SESSION_SERIES_UPDATED,
            actor=acting_user,
            target=series,
            metadata={"changed": "timezone", "rewritten": touched, "created": created},
        )
        changed += 1
    return changed


def series_generate(*, series: SessionSeries, now: datetime) -> int:
    """Create any session of `series` starting after `now` that is missing (after its cohort's
    dates moved, or for the demo). Idempotent; returns how many were created."""
    return _generate(series, after=now)


def _lock_upcoming(occurrence: Occurrence, *, now: datetime) -> Occurrence:
    locked = Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence.pk)
    if locked.starts_at <= now:
        raise SessionError("This session has begun or is over: it stays as it was.")
    if locked.status == OccurrenceStatus.CANCELLED:
        raise SessionError("This session is cancelled.")
    return locked


@transaction.atomic
def occurrence_cancel(*, occurrence: Occurrence, acting_user: User, now: datetime) -> Occurrence:
    """Cancel one upcoming session (the rest of its series stays). Audited. Raises SessionError
    for a session that has begun, is over, or is already cancelled."""
    locked = _lock_upcoming(occurrence, now=now)
    locked.status = OccurrenceStatus.CANCELLED
    locked.changed_at = now
    locked.save(update_fields=["status", "changed_at"])
    audit_record(
        action=Action.SESSION_CANCELLED,
        actor=acting_user,
        subject=locked.series.client,
        target=locked,
        metadata={"series": locked.series_id},
    )
    return locked


@transaction.atomic
def occurrence_move(
    *, occurrence: Occurrence, day: date, start_time: time, acting_user: User, now: datetime
) -> Occurrence:
    """Move one upcoming session to wall-clock `start_time` on `day` in its series' zone, same
    length; its planned start is kept. Audited. Raises SessionError for a session that has
    begun or is cancelled, or a new time that is not after `now`."""
    locked = _lock_upcoming(occurrence, now=now)
    series = locked.series
    starts_at, ends_at = session_instants(
        day=day, start_time=start_time, tz=series.timezone, length_minutes=series.length_minutes
    )
    if starts_at <= now:
        raise SessionError("Choose a time that is still to come.", field="day")
    if locked.planned_starts_at is None:
        locked.planned_starts_at = locked.starts_at
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.status = OccurrenceStatus.MOVED
    locked.changed_at = now
    locked.save(update_fields=["planned_starts_at", "starts_at", "ends_at", "status", "changed_at"])
    audit_record(
        action=Action.SESSION_MOVED,
        actor=acting_user,
        subject=series.client,
        target=locked,
        metadata={"series": series.pk},
    )
    return locked


@transaction.atomic
def individual_session_book(
    *,
    clinician: User,
    client: User,
    day: date,
    start_time: time,
    length_minutes: int,
    weeks: int,
    video_url: str,
    now: datetime,
) -> SessionSeries:
    """Book individual sessions of `clinician` with `client`: at wall-clock `start_time` in the
    client's zone on `day`, and weekly for `weeks` weeks in all. The caller has checked that the
    client is in the clinician's care (care's page, through access_client). Audited. Raises
    SessionError (a first session not after `now`, a bad length or link)."""
    if not 1 <= weeks <= MAX_BOOKED_WEEKS:
        raise SessionError(f"Choose from 1 to {MAX_BOOKED_WEEKS} weeks.", field="weeks")
    fields = SeriesFields(
        weekday=day.weekday(),
        start_time=start_time,
        length_minutes=length_minutes,
        video_url=video_url,
        active_from=day,
        active_until=day + timedelta(weeks=weeks - 1),
        clinician=clinician,
    )
    _check_fields(fields)
    first, _ = session_instants(
        day=day, start_time=start_time, tz=client.timezone, length_minutes=length_minutes
    )
    if first <= now:
        raise SessionError("Choose a time that is still to come.", field="day")
    series = SessionSeries(
        kind=SeriesKind.INDIVIDUAL,
        client=client,
        timezone=client.timezone,
        created_by=clinician,
        created_at=now,
    )
    _store(series, fields, now=now)
    created = _generate(series, after=now)
    audit_record(
        action=Action.SESSION_BOOKED,
        actor=clinician,
        subject=client,
        target=series,
        metadata={"sessions": created},
    )
    return series


def join_is_open(*, occurrence: Occurrence, now: datetime) -> bool:
    """Whether the Join button works at `now`: from JOIN_OPENS_BEFORE before the start until
    the end, for a session that is not cancelled."""
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return False
    return occurrence.starts_at - JOIN_OPENS_BEFORE <= now < occurrence.ends_at


def occurrence_join(*, client: User, occurrence: Occurrence, now: datetime) -> str | None:
    """The video link of the client's own session if its Join window is open at `now`, else
    None. Audited either way (whether the link was given, never the link). The caller has
    checked that the session is the client's (meetings.permissions)."""
    is_open = join_is_open(occurrence=occurrence, now=now)
    audit_record(
        action=Action.SESSION_JOINED,
        actor=client,
        subject=client,
        target=occurrence,
        metadata={"opened": is_open},
    )
    return occurrence.series.video_url if is_open else None
