"""The caseload: a clinician's (or a supervisor's) active clients, one row each, ranked for the
morning's triage, worst first.

What a row shows, and where it comes from:

- **Week**: the newest week released to the client's current enrollment (the newest active or
  paused one, as on the client's own pages; else their newest finished one) out of the track's
  length.
- **This week**: lessons completed in that newest released week, out of its live lessons.
- **Last activity**: the newest of lesson progress (started, completed, "not today"), worksheet
  saves and submissions, and the client's last sign-in.
- **SUDS**: the client's last `SUDS_WINDOW` readings (a lesson's after-value, else its
  before-value), oldest to newest. The mean of the newest `SUDS_RECENT` is compared with the mean
  of the ones before: at least `SUDS_SHIFT` higher is "rising", that much lower "easing", else
  "steady"; fewer than `SUDS_RECENT + 1` readings is "too few to tell".
- **To review**: submitted worksheet versions no one has reviewed (courses.WorksheetReview).
- **Holds**: open holds (PacingAction HOLD not lifted) and a paused enrollment.
- **Billing**: new weeks wait on a billing matter (Enrollment.new_weeks_held_for_billing): a
  neutral flag, never an amount.
- **Risk**: the client's open risk flags (care.RiskFlag), linked to the flags page.
- **Measures**: the latest answer to each questionnaire (PHQ-9, GAD-7): total, band, and whether
  it is reliably worse or better than the client's first (measures.selectors.latest_scores).
- **Sessions**: whether the client's two latest group sessions with attendance were both
  absences (meetings.selectors_attendance.missed_in_a_row: the same rule that alerts the care
  team as the second absence is recorded; excused is not missed).
- **Check-ins**: over the client's last DAILY_DAYS local days (today included, in their own
  zone), the days with an evening check-in and the lapses recorded (daily.Checkin, daily.Lapse),
  counted in the figures' read. A check-in's "not safe tonight" is already an open risk flag.

The urgency score, the sum of (each reason is shown on the row as a chip):

    an open risk flag (whatever the enrollment)                           +10
    missed the last two group sessions in a row (a current enrollment)     +6
    a lapse recorded in the last DAILY_DAYS days                           +3
    a questionnaire's latest answer reliably worse than the first          +4
    a questionnaire's latest answer in an elevated band (15 and up)       +3
    inactive for INACTIVE_DAYS days or more (a current enrollment only)   +4
    SUDS rising                                                           +3
    each worksheet waiting for review, counting at most REVIEW_CAP        +2 each
    on hold or paused                                                     +2
    billing needs attention                                               +1

Worst first is the highest score first; ties go by name (then email), so the order never
depends on the database.

Query count: seven queries whatever the caseload's size or the clients' history (the
assignments; each client's figures and row enrollment; at most SUDS_WINDOW readings per client
through a window function, these two hand-written in care/queries/caseload.py, the first also
counting the check-ins and lapses; the open risk
flags; the instruments with each client's latest answer to each; and each client's two latest
group attendances, through a window function). Filters,
search and sorting work on those rows in memory: a caseload is tens of rows.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

from accounts.models import User
from courses.models import EnrollmentStatus
from daily.days import local_today
from measures.selectors import LatestScore, latest_scores
from meetings.selectors_attendance import MISSED_IN_A_ROW, missed_in_a_row

from ..models import RiskFlag
from ..queries.caseload import ClientFigures, RowEnrollment, caseload_figures, suds_readings
from . import assignments_visible_to

INACTIVE_DAYS = 7
SUDS_WINDOW = 8
SUDS_RECENT = 3
SUDS_SHIFT = 1.0
REVIEW_CAP = 3
DAILY_DAYS = 14

POINTS_RISK = 10
POINTS_MISSED_SESSIONS = 6
POINTS_LAPSES = 3
POINTS_MEASURE_WORSE = 4
POINTS_MEASURE_HIGH = 3
POINTS_INACTIVE = 4
POINTS_SUDS_RISING = 3
POINTS_PER_REVIEW = 2
POINTS_HOLD = 2
POINTS_BILLING = 1

# The statuses a row can be about: a current program (active, paused), else a finished one.
CURRENT_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
ROW_STATUSES = (*CURRENT_STATUSES, EnrollmentStatus.COMPLETED)

_ROW_SLUG_SALT = "care.caseload.row"


def caseload_row_slug(*, client_id: int) -> str:
    """The opaque id of a client's caseload row (`row-<slug>` on the page, and the anchor an
    alert lands on): an HMAC of the client's id under the site's secret, so a link never carries
    the id (L-2) and nobody can derive a row's slug from an id."""
    return _slug(settings.SECRET_KEY, client_id)


@lru_cache(maxsize=4096)
def _slug(secret: str, client_id: int) -> str:
    # Remembered per process (and per secret): the same client has the same slug on every visit.
    return salted_hmac(
        _ROW_SLUG_SALT, str(client_id), secret=secret, algorithm="sha256"
    ).hexdigest()[:16]


def caseload_row_anchor(*, client_id: int) -> str:
    """The element id of a client's caseload row, for a message's link_anchor."""
    return f"row-{caseload_row_slug(client_id=client_id)}"


class Sort(models.TextChoices):
    URGENCY = "urgency", "Urgency, worst first"
    NAME = "name", "Name, A to Z"
    ACTIVITY = "activity", "Last activity, longest ago first"
    WEEK = "week", "Week, earliest first"


class SudsTrend(models.TextChoices):
    RISING = "rising", "Rising"
    STEADY = "steady", "Steady"
    EASING = "easing", "Easing"
    FEW = "few", "Too few to tell"
    NONE = "none", "No readings"


@dataclass(frozen=True)
class CaseloadFilters:
    """What the clinician asked to see: each filter narrows the list; `search` matches the
    preferred name or the email (case-insensitive); `sort` orders it."""

    needs_review: bool = False
    inactive: bool = False
    on_hold: bool = False
    search: str = ""
    sort: str = Sort.URGENCY

    @property
    def any(self) -> bool:
        return self.needs_review or self.inactive or self.on_hold or bool(self.search)


@dataclass(frozen=True)
class Reason:
    """One reason a row ranks where it does: a chip on the row."""

    key: str
    label: str
    points: int


@dataclass(frozen=True)
class Suds:
    """A client's recent SUDS readings (0-10, oldest first) and their trend."""

    readings: tuple[int, ...]
    trend: str

    @property
    def label(self) -> str:
        return SudsTrend(self.trend).label

    @property
    def points(self) -> str:
        """The sparkline's polyline points in a 0 0 60 20 box (x: reading order, y: 10 is the
        top), or "" for fewer than two readings."""
        if len(self.readings) < 2:
            return ""
        step = 60 / (len(self.readings) - 1)
        return " ".join(
            f"{round(i * step, 1):g},{round(19 - value * 1.8, 1):g}"
            for i, value in enumerate(self.readings)
        )


@dataclass(frozen=True)
class DailyCounts:
    """A client's last `days` local days: how many had an evening check-in, and the lapses."""

    checkins: int
    days: int
    lapses: int


@dataclass(frozen=True)
class Person:
    """A client or a clinician as a caseload row names them: what the row shows of the account,
    read as plain values (sixty whole accounts cost more than the rest of the page)."""

    pk: int
    preferred_name: str
    email: str
    last_login: datetime | None = None
    timezone: str = "UTC"


@dataclass
class CaseloadRow:
    """One client on the caseload."""

    client: Person
    slug: str  # opaque: the row's element id is `row-<slug>`
    clinicians: list[Person]
    enrollment: RowEnrollment | None
    status: str  # the enrollment's status, "" with none
    week: int | None  # the newest released week, None before the first opens
    weeks_total: int | None
    lessons_done: int
    lessons_total: int
    last_activity: datetime | None  # in the viewer's time zone
    last_activity_ago: str  # "3 hours ago", "9 days ago"; "" with no activity
    inactive_days: int | None  # whole days since the last activity (or since enrolling)
    suds: Suds
    to_review: int
    holds: int  # open holds on the current enrollment
    paused: bool
    billing_attention: bool
    risk: int = 0  # open risk flags
    measures: list[LatestScore] = field(default_factory=list)  # latest answer per instrument
    # The last DAILY_DAYS days' check-ins and lapses (None only for a row made without them).
    checkins: DailyCounts | None = None
    # The last two group sessions with attendance were both absences (a current enrollment).
    missed_sessions: bool = False
    reasons: list[Reason] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"row-{self.slug}"

    @property
    def urgency(self) -> int:
        return sum(reason.points for reason in self.reasons)

    @property
    def inactive(self) -> bool:
        return self.inactive_days is not None and self.inactive_days >= INACTIVE_DAYS

    @property
    def on_hold(self) -> bool:
        return self.holds > 0 or self.paused

    @property
    def name_key(self) -> tuple[str, str]:
        return (self.client.preferred_name.casefold(), self.client.email.casefold())


@dataclass
class Caseload:
    """The rows to show (filtered and sorted), how many clients there are in all, and whether
    the viewer sees other clinicians' clients (a supervisor: the page adds a Clinician column)."""

    rows: list[CaseloadRow]
    total: int
    filters: CaseloadFilters
    shows_clinicians: bool
    tz: str


_ASSIGNMENT_COLUMNS = (
    "client_id",
    "client__preferred_name",
    "client__email",
    "client__last_login",
    "client__timezone",
    "clinician_id",
    "clinician__preferred_name",
    "clinician__email",
)


def _assignments(*, viewer: User) -> list[tuple[Person, Person]]:
    """The viewer's visible active assignments as (client, clinician), ordered by clinician
    (query 1): only the columns a row shows."""
    return [
        (
            Person(client_id, name, email, last_login, zone),
            Person(clinician_id, c_name, c_email),
        )
        for client_id, name, email, last_login, zone, clinician_id, c_name, c_email in (
            assignments_visible_to(user=viewer)
            .order_by("clinician__preferred_name", "clinician__email", "pk")
            .values_list(*_ASSIGNMENT_COLUMNS)
        )
    ]


def suds_trend(readings: list[int]) -> Suds:
    """The trend of readings given oldest first (see the module docstring)."""
    if not readings:
        return Suds((), SudsTrend.NONE)
    if len(readings) <= SUDS_RECENT:
        return Suds(tuple(readings), SudsTrend.FEW)
    recent = readings[-SUDS_RECENT:]
    earlier = readings[:-SUDS_RECENT]
    shift = sum(recent) / len(recent) - sum(earlier) / len(earlier)
    if shift >= SUDS_SHIFT:
        trend = SudsTrend.RISING
    elif shift <= -SUDS_SHIFT:
        trend = SudsTrend.EASING
    else:
        trend = SudsTrend.STEADY
    return Suds(tuple(readings), trend)


def time_ago(moment: datetime, *, now: datetime) -> str:
    """How long before `now` `moment` was, in plain words: whole hours under a day, then whole
    days (a moment after `now`, from a skewed clock, reads "just now")."""
    elapsed = now - moment
    if elapsed < timedelta(hours=1):
        return "just now" if elapsed < timedelta(minutes=1) else "within the hour"
    if elapsed < timedelta(days=1):
        hours = elapsed // timedelta(hours=1)
        return "1 hour ago" if hours == 1 else f"{hours} hours ago"
    days = elapsed // timedelta(days=1)
    return "1 day ago" if days == 1 else f"{days} days ago"


def _reasons(row: CaseloadRow) -> list[Reason]:
    reasons = []
    if row.risk:
        label = "Safety flag open" if row.risk == 1 else f"{row.risk} safety flags open"
        reasons.append(Reason("risk", label, POINTS_RISK))
    if row.missed_sessions:
        label = f"Missed the last {MISSED_IN_A_ROW} group sessions"
        reasons.append(Reason("missed_sessions", label, POINTS_MISSED_SESSIONS))
    if row.checkins is not None and row.checkins.lapses:
        lapses = row.checkins.lapses
        label = f"{lapses} lapse{'' if lapses == 1 else 's'} in {row.checkins.days} days"
        reasons.append(Reason("lapses", label, POINTS_LAPSES))
    worse = [score.short_title for score in row.measures if score.worsened]
    if worse:
        reasons.append(
            Reason("measures_worse", f"{' and '.join(worse)} worse", POINTS_MEASURE_WORSE)
        )
    high = [f"{s.short_title} {s.band_label.lower()}" for s in row.measures if s.elevated]
    if high:
        reasons.append(Reason("measures_high", ", ".join(high), POINTS_MEASURE_HIGH))
    if row.inactive:
        reasons.append(Reason("inactive", f"Quiet {row.inactive_days} days", POINTS_INACTIVE))
    if row.suds.trend == SudsTrend.RISING:
        reasons.append(Reason("suds", "SUDS rising", POINTS_SUDS_RISING))
    if row.to_review:
        label = "1 to review" if row.to_review == 1 else f"{row.to_review} to review"
        reasons.append(Reason("review", label, POINTS_PER_REVIEW * min(row.to_review, REVIEW_CAP)))
    if row.on_hold:
        reasons.append(Reason("hold", "Paused" if row.paused else "On hold", POINTS_HOLD))
    if row.billing_attention:
        reasons.append(Reason("billing", "Billing needs attention", POINTS_BILLING))
    return reasons


def _last_activity(client: Person, figures: ClientFigures | None) -> datetime | None:
    moments = list(figures.moments.values()) if figures else []
    moments.append(client.last_login)
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def _row(
    client: Person,
    clinician: Person,
    *,
    figures: ClientFigures | None,
    readings: list[int],
    risk: int,
    measures: list[LatestScore],
    now: datetime,
    zone: ZoneInfo,
    window: int,
    missed: bool = False,
) -> CaseloadRow:
    enrollment = figures.enrollment if figures else None
    current = enrollment if enrollment and enrollment.status in CURRENT_STATUSES else None
    last = _last_activity(client, figures)
    inactive_days = None
    if current is not None:
        since = last or current.created_at
        inactive_days = max(0, (now - since) // timedelta(days=1))
    row = CaseloadRow(
        client=client,
        slug=caseload_row_slug(client_id=client.pk),
        clinicians=[clinician],
        enrollment=enrollment,
        status=enrollment.status if enrollment else "",
        week=enrollment.newest_week if enrollment else None,
        weeks_total=enrollment.weeks if enrollment else None,
        lessons_done=enrollment.week_done if enrollment else 0,
        lessons_total=enrollment.week_total if enrollment else 0,
        # To the second: an HTML <time datetime> takes at most three digits of a fraction.
        last_activity=last.astimezone(zone).replace(microsecond=0) if last else None,
        last_activity_ago=time_ago(last, now=now) if last else "",
        inactive_days=inactive_days,
        suds=suds_trend(readings),
        to_review=figures.to_review if figures else 0,
        holds=current.open_holds if current else 0,
        paused=bool(current and current.status == EnrollmentStatus.PAUSED),
        billing_attention=bool(current and current.new_weeks_held_for_billing),
        risk=risk,
        measures=measures,
        checkins=DailyCounts(
            checkins=figures.checkins[window] if figures and figures.checkins else 0,
            days=DAILY_DAYS,
            lapses=figures.lapses[window] if figures and figures.lapses else 0,
        ),
        missed_sessions=missed and current is not None,
    )
    row.reasons = _reasons(row)
    return row


def _matches(row: CaseloadRow, filters: CaseloadFilters) -> bool:
    if filters.needs_review and not row.to_review:
        return False
    if filters.inactive and not row.inactive:
        return False
    if filters.on_hold and not row.on_hold:
        return False
    needle = filters.search.strip().casefold()
    if needle and needle not in row.client.preferred_name.casefold():
        return needle in row.client.email.casefold()
    return True


def _sort_key(sort: str) -> Callable[[CaseloadRow], tuple]:
    if sort == Sort.NAME:
        return lambda row: (row.name_key, row.client.pk)
    if sort == Sort.ACTIVITY:
        # Longest ago first; never active comes before everyone.
        return lambda row: (
            row.last_activity is not None,
            row.last_activity or datetime.min.replace(tzinfo=ZoneInfo("UTC")),
            row.name_key,
            row.client.pk,
        )
    if sort == Sort.WEEK:
        # Earliest first; rows with no open week yet at the end.
        return lambda row: (row.week is None, row.week or 0, row.name_key, row.client.pk)
    return lambda row: (-row.urgency, row.name_key, row.client.pk)


def daily_windows(
    *, now: datetime, zones: set[str]
) -> tuple[list[tuple[date, date]], dict[str, int]]:
    """The windows of DAILY_DAYS local days ending on each zone's today at `now` (first and
    last day, each window once), and which window each zone reads (no query)."""
    windows: list[tuple[date, date]] = []
    pick: dict[str, int] = {}
    for zone in sorted(zones):
        today = local_today(now=now, tz=zone)
        window = (today - timedelta(days=DAILY_DAYS - 1), today)
        if window not in windows:
            windows.append(window)
        pick[zone] = windows.index(window)
    return windows, pick


def caseload_rows(
    *, viewer: User, now: datetime, filters: CaseloadFilters | None = None
) -> Caseload:
    """The viewer's caseload at `now`: one row per client with an active care assignment to the
    viewer or, for a supervisor, to a clinician they actively supervise; filtered and sorted by
    `filters` (ranked worst first by default, see the module docstring). Times are in the
    viewer's own time zone. Seven queries, whatever the caseload's size or history."""
    filters = filters or CaseloadFilters()
    zone = ZoneInfo(viewer.timezone)
    assignments = _assignments(viewer=viewer)
    client_ids = sorted({client.pk for client, _ in assignments})
    windows, pick = daily_windows(now=now, zones={client.timezone for client, _ in assignments})
    figures = caseload_figures(client_ids=client_ids, windows=windows)
    readings = suds_readings(client_ids=client_ids, window=SUDS_WINDOW)
    risks = open_flag_counts(client_ids=client_ids)
    scores = latest_scores(client_ids=client_ids)
    missed = missed_in_a_row(client_ids=client_ids)
    rows: dict[int, CaseloadRow] = {}
    for client, clinician in assignments:
        seen = rows.get(client.pk)
        if seen is not None:  # a client reached through two clinicians: one row, both named
            seen.clinicians.append(clinician)
            continue
        rows[client.pk] = _row(
            client,
            clinician,
            figures=figures.get(client.pk),
            readings=readings.get(client.pk, []),
            risk=risks.get(client.pk, 0),
            measures=scores.get(client.pk, []),
            now=now,
            zone=zone,
            window=pick[client.timezone],
            missed=client.pk in missed,
        )
    shown = sorted(
        (row for row in rows.values() if _matches(row, filters)), key=_sort_key(filters.sort)
    )
    return Caseload(
        rows=shown,
        total=len(rows),
        filters=filters,
        shows_clinicians=any(c.pk != viewer.pk for row in rows.values() for c in row.clinicians),
        tz=viewer.timezone,
    )


def open_flag_counts(*, client_ids: list[int]) -> dict[int, int]:
    """How many open risk flags each listed client has (1 query; clients with none are
    absent)."""
    counts: dict[int, int] = {}
    for client_id in (
        RiskFlag.objects.filter(client_id__in=client_ids)
        .exclude(status=RiskFlag.Status.RESOLVED)
        .values_list("client_id", flat=True)
    ):
        counts[client_id] = counts.get(client_id, 0) + 1
    return counts
