"""The program's hours: per client and week, the minutes of group sessions attended, of
individual sessions attended, and of lessons, against the track's weekly target.

The definition, stated once (the client's page, the care team's record and the reports all read
it from here):

- A week is an ISO week, Monday to Sunday, in the client's own time zone; a session counts in
  the week of its start there, a lesson in the week it was completed there (a week with a clock
  change is simply its seven local days).
- Session minutes are the minutes attended as the session's clinician marked them
  (meetings.Attendance: present is the whole session unless fewer were entered; absent and
  excused are 0). A session without attendance counts nothing: hours are what was recorded.
- Lesson minutes are each completed lesson's own length as the course gives it (`Lesson.minutes`,
  the curriculum's estimate), credited once, when it is completed. Not the time between opening
  and finishing a lesson (the record's "time spent"), which counts the hours a lesson was left
  open in a tab.
- The target is the client's track's `weekly_hours_target` (curriculum: `weekly_hours_target`,
  9 hours when not set).
- For figures over many clients (the reports), a client counts in a week while one of their
  enrollments in HOURS_STATUSES runs its scheduled weeks (`in_program`): from its start (the
  cohort's, or its own for rolling enrollment) for the track's weeks plus the days it was
  paused. A week with nothing recorded counts at 0.

Reads: two queries for any number of clients and weeks (the attendance, the completed lessons).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from accounts.models import User
from core.localtime import local_instant
from courses.models import Enrollment, EnrollmentStatus, LessonProgress
from daily.charts import Chart, columns_chart

from .models import Attendance, SeriesKind

# At most this many weeks are shown (the newest), on the client's page and the record.
MAX_WEEKS = 26


@dataclass
class Minutes:
    """One client's minutes in one week, by source."""

    group: int = 0
    individual: int = 0
    lessons: int = 0

    @property
    def total(self) -> int:
        return self.group + self.individual + self.lessons


@dataclass(frozen=True)
class WeekHours:
    """One week of a client's hours as the pages show it."""

    monday: date
    minutes: Minutes
    target_hours: Decimal

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes.total)

    @property
    def met(self) -> bool:
        return self.minutes.total >= self.target_hours * 60


def hours_of(minutes: int | float) -> Decimal:
    """Minutes as hours, to the tenth."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def monday_of(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of the ISO week holding `moment` in `zone`."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def program_minutes(
    *, zones: dict[int, str], since: datetime | None = None, until: datetime | None = None
) -> dict[int, dict[date, Minutes]]:
    """Each listed client's minutes per week (the Monday in their zone), from `since` to
    `until` (instants; None: no bound). `zones` maps each client's id to their time zone. Two
    queries whatever the number of clients or weeks."""
    found: dict[int, dict[date, Minutes]] = {client_id: defaultdict(Minutes) for client_id in zones}
    if not zones:
        return found
    tz = {client_id: ZoneInfo(zone) for client_id, zone in zones.items()}
    sessions = Attendance.objects.filter(client_id__in=zones, minutes__gt=0)
    lessons = LessonProgress.objects.filter(
        enrollment__client_id__in=zones, completed_at__isnull=False
    )
    if since is not None:
        sessions = sessions.filter(occurrence__starts_at__gte=since)
        lessons = lessons.filter(completed_at__gte=since)
    if until is not None:
        sessions = sessions.filter(occurrence__starts_at__lt=until)
        lessons = lessons.filter(completed_at__lt=until)
    for client_id, starts_at, kind, minutes in sessions.values_list(
        "client_id", "occurrence__starts_at", "occurrence__series__kind", "minutes"
    ):
        week = found[client_id][monday_of(starts_at, tz[client_id])]
        if kind == SeriesKind.GROUP:
            week.group += minutes
        else:
            week.individual += minutes
    for client_id, completed_at, minutes in lessons.values_list(
        "enrollment__client_id", "completed_at", "lesson__minutes"
    ):
        if completed_at is not None:  # filtered above; the type does not know it
            found[client_id][monday_of(completed_at, tz[client_id])].lessons += minutes
    return found


def weeks_minutes(*, zones: dict[int, str], mondays: list[date]) -> dict[int, dict[date, Minutes]]:
    """Each listed client's minutes in each week of `mondays` (each Monday to Sunday in the
    client's own zone), every week there (at 0 when nothing was recorded). Two queries whatever
    the number of clients or weeks."""
    if not zones or not mondays:
        return {client_id: {} for client_id in zones}
    first, after = min(mondays), max(mondays) + timedelta(weeks=1)
    own = set(zones.values())
    found = program_minutes(
        zones=zones,
        since=min(local_instant(first, time(0), zone) for zone in own),
        until=max(local_instant(after, time(0), zone) for zone in own),
    )
    return {
        client_id: {monday: found[client_id].get(monday, Minutes()) for monday in mondays}
        for client_id in zones
    }


def in_program(*, anchor: date, weeks: int, paused_days: int, monday: date) -> bool:
    """Whether an enrollment from `anchor` over `weeks` weeks (and `paused_days` more) runs
    during the week from `monday`."""
    end = anchor + timedelta(weeks=weeks, days=paused_days)  # the first day after it
    return anchor <= monday + timedelta(days=6) and end > monday


def weekly_hours(
    *, client_id: int, zone: str, first_day: date, now: datetime, target_hours: Decimal
) -> list[WeekHours]:
    """A client's hours for every week from the one holding `first_day` (their program's
    start) to the current one at `now`, oldest first, at most the newest MAX_WEEKS (at least
    the current week); weeks with nothing recorded are there at 0. Two queries."""
    tz = ZoneInfo(zone)
    last = monday_of(now, tz)
    first = first_day - timedelta(days=first_day.weekday())
    # Before the program begins, the current week alone (at 0, unless something was recorded).
    first = min(max(first, last - timedelta(weeks=MAX_WEEKS - 1)), last)
    mondays = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    per_week = weeks_minutes(zones={client_id: zone}, mondays=mondays)[client_id]
    return [
        WeekHours(monday=monday, minutes=per_week[monday], target_hours=target_hours)
        for monday in mondays
    ]


def hours_chart(weeks: list[WeekHours], *, target_hours: Decimal, chart_id: str) -> Chart:
    """A column per week (hours), on a scale that holds the target and the busiest week; the
    target is a marked grid line. The page puts the same figures in a table beside it."""
    target = float(target_hours)
    top = max([target * 1.25, *(float(w.hours) for w in weeks)])
    met = sum(1 for w in weeks if w.met)
    return columns_chart(
        title="Program hours each week",
        summary=(
            f"{len(weeks)} week{'s' if len(weeks) != 1 else ''} from "
            f"{weeks[0].monday:%d %b %Y}: the target of {target_hours:g} hours was reached in "
            f"{met}. The table gives each week's hours by kind."
        ),
        labels=[f"{w.monday:%b} {w.monday.day}" for w in weeks],
        values=[float(w.hours) for w in weeks],
        top=top,
        texts=[f"{w.hours:g} hours" for w in weeks],
        ticks=[(0.0, "0"), (target, f"{target_hours:g}h")],
        chart_id=chart_id,
    )


@dataclass(frozen=True)
class Hours:
    """A client's hours as a page shows them: the weeks (newest last), the target, the chart
    (None without any week) and the average over the weeks."""

    weeks: list[WeekHours]
    target_hours: Decimal
    chart: Chart | None

    @property
    def average_hours(self) -> Decimal | None:
        if not self.weeks:
            return None
        return hours_of(sum(w.minutes.total for w in self.weeks) / len(self.weeks))

    @property
    def newest_first(self) -> list[WeekHours]:
        return list(reversed(self.weeks))


# The enrollments that have hours: begun and not left (the one whose track sets a client's target
# is the newest current one, else the newest finished).
HOURS_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.COMPLETED)


def _hours_enrollment(client: User) -> Enrollment | None:
    enrollments = list(
        Enrollment.objects.filter(client=client, status__in=HOURS_STATUSES)
        .select_related("track", "cohort")
        .order_by("-created_at", "-pk")
    )
    current = [e for e in enrollments if e.status != EnrollmentStatus.COMPLETED]
    chosen = current or enrollments
    return chosen[0] if chosen else None


def client_hours(
    *,
    client: User,
    now: datetime,
    chart_id: str = "hours",
    enrollment: Enrollment | None = None,
) -> Hours | None:
    """The client's hours since their program began, against their track's target; None with
    no enrollment that has begun. `enrollment`: the one the caller has read already (the
    record's), else the newest current one, else the newest finished one. Three queries (the
    enrollment, then program_minutes); two with `enrollment`."""
    if enrollment is None:
        enrollment = _hours_enrollment(client)
    if enrollment is None:
        return None
    target = enrollment.track.weekly_hours_target
    weeks = weekly_hours(
        client_id=client.pk,
        zone=client.timezone,
        first_day=enrollment.anchor_date,
        now=now,
        target_hours=target,
    )
    chart = hours_chart(weeks, target_hours=target, chart_id=chart_id) if weeks else None
    return Hours(weeks=weeks, target_hours=target, chart=chart)
