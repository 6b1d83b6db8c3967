"""A client's trends over the last 4, 8 or 12 weeks of their own local days: the check-in rate,
mood and urge, the loudest parts, what each practice did to SUDS, and the days held counted up
(never reset: a lapse adds nothing and takes nothing away). The client's trends page and the
care team's record (its Daily section) both read them here, in one query (daily/queries.py)
whatever the length of the history.

The window ends on the client's local today (daily.days.local_today) and is cut into whole
weeks counted back from it, so the newest week always ends today.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from accounts.models import User

from ..days import local_today
from ..models import Part, PracticeLog
from ..queries import DailyReads, PlanRow, daily_reads

WEEK_CHOICES = (4, 8, 12)
DEFAULT_WEEKS = 4


def weeks_from(value: object) -> int:
    """The window asked for (`?weeks=`): 4, 8 or 12; anything else is 4."""
    try:
        weeks = int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_WEEKS
    return weeks if weeks in WEEK_CHOICES else DEFAULT_WEEKS


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


@dataclass(frozen=True)
class WeekFigures:
    """One week of the window (seven local days, `first` to `last`)."""

    first: date
    last: date
    reviewed: int  # days with an evening review
    mood: float | None  # the average of the mood answers, None without one
    urge: float | None
    held_to_date: int  # days held counted up to the end of this week, all history

    @property
    def rate(self) -> int:
        """The check-in rate in whole percent of the week's seven days."""
        return round(100 * self.reviewed / 7)


@dataclass(frozen=True)
class PartCount:
    part: str
    label: str
    count: int


@dataclass(frozen=True)
class PracticeChange:
    """A kind of practice in the window: how often, and the average SUDS before and after."""

    practice: str
    label: str
    count: int
    before: float
    after: float

    @property
    def change(self) -> float:
        return round(self.after - self.before, 1)


@dataclass(frozen=True)
class Trends:
    weeks: int
    first: date
    last: date
    week_rows: list[WeekFigures]
    reviewed: int  # days in the window with an evening review
    days: int  # days in the window
    parts: list[PartCount]  # every part, loudest first
    practices: list[PracticeChange]
    urges: int
    urge_average: float | None
    lapses: int
    held_total: int  # all history, never reset
    held_in_window: int
    plan: PlanRow | None = None

    @property
    def rate(self) -> int:
        return round(100 * self.reviewed / self.days) if self.days else 0

    @property
    def any_checkin(self) -> bool:
        return any(row.reviewed for row in self.week_rows)

    @property
    def has_figures(self) -> bool:
        """Anything to chart in the window: a check-in, a practice or an urge."""
        return bool(self.reviewed or self.practices or self.urges) or any(
            row.mood is not None or row.urge is not None for row in self.week_rows
        )

    @property
    def any_part(self) -> bool:
        return any(part.count for part in self.parts)

    @property
    def newest_first(self) -> list[WeekFigures]:
        return list(reversed(self.week_rows))


def trends_from(reads: DailyReads, *, first: date, weeks: int) -> Trends:
    """The figures of `reads` (the window starting on `first`), in weeks (no query)."""
    last = first + timedelta(days=7 * weeks - 1)
    held = reads.held_before
    week_rows = []
    by_week: list[list] = [[] for _ in range(weeks)]
    for row in reads.days:
        by_week[(row.day - first).days // 7].append(row)
    for index, rows in enumerate(by_week):
        held += sum(1 for row in rows if row.held)
        start = first + timedelta(days=7 * index)
        week_rows.append(
            WeekFigures(
                first=start,
                last=start + timedelta(days=6),
                reviewed=sum(1 for row in rows if row.reviewed),
                mood=_average([row.mood for row in rows if row.mood is not None]),
                urge=_average([row.urge for row in rows if row.urge is not None]),
                held_to_date=held,
            )
        )
    counts = {part.value: 0 for part in Part}
    for row in reads.days:
        if row.loudest_part in counts:
            counts[row.loudest_part] += 1
    parts = sorted(
        (PartCount(value, Part(value).label, count) for value, count in counts.items()),
        key=lambda part: -part.count,
    )
    labels = dict(PracticeLog.Practice.choices)
    practices = [
        PracticeChange(
            practice=sums.practice,
            label=str(labels.get(sums.practice, sums.practice)),
            count=sums.count,
            before=round(sums.before_sum / sums.count, 1),
            after=round(sums.after_sum / sums.count, 1),
        )
        for sums in reads.practices
        if sums.count
    ]
    return Trends(
        weeks=weeks,
        first=first,
        last=last,
        week_rows=week_rows,
        reviewed=sum(row.reviewed for row in week_rows),
        days=7 * weeks,
        parts=parts,
        practices=sorted(practices, key=lambda p: (-p.count, p.label)),
        urges=reads.urges,
        urge_average=round(reads.urge_sum / reads.urges, 1) if reads.urges else None,
        lapses=reads.lapses,
        held_total=held,
        held_in_window=held - reads.held_before,
        plan=reads.plan,
    )


def client_trends(
    *, client: User, now: datetime, weeks: int = DEFAULT_WEEKS, with_plan: bool = False
) -> Trends:
    """`client`'s trends over the `weeks` weeks ending on their local today at `now` (1 query;
    with their current DSAP when `with_plan`)."""
    if weeks not in WEEK_CHOICES:
        weeks = DEFAULT_WEEKS
    last = local_today(now=now, tz=client.timezone)
    first = last - timedelta(days=7 * weeks - 1)
    reads = daily_reads(client_id=client.pk, first=first, last=last, with_plan=with_plan)
    return trends_from(reads, first=first, weeks=weeks)
