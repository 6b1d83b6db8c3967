"""The daily figures' one hand-written read (decision 0007's method).

The trends page (the client's) and the record's Daily section (the care team's) show the same
figures over a window of local days: each day's check-in, the days held before the window, the
practices grouped by kind, the urges and the lapses counted, and (for the record) the current
DSAP. Through the ORM that was five queries, each compiled anew on every visit; here it is one
statement with bound values (no SQL passes in or out), its branches joined by UNION ALL into one
shape and read into plain values. Its ORM twin is in tests/daily/test_queries.py and must return
the same thing.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection

from courses.queries import _t

from .models import BottomLines, Checkin, Dsap, Lapse, PracticeLog, UrgeLog

# The kinds of row the statement returns (its first column).
_DAY, _HELD_BEFORE, _PRACTICE, _URGES, _LAPSES, _DSAP = range(6)


@dataclass(frozen=True)
class DayRow:
    """One check-in in the window: its day, whether the evening review was saved, and what it
    said (None or "" where it said nothing)."""

    day: date
    reviewed: bool
    mood: int | None
    urge: int | None
    loudest_part: str
    held: bool


@dataclass(frozen=True)
class PracticeSums:
    """The practices of one kind in the window: how many, and their SUDS summed before and
    after."""

    practice: str
    count: int
    before_sum: int
    after_sum: int


@dataclass(frozen=True)
class PlanRow:
    """The current DSAP: its version and its three sections."""

    version: int
    bottom_lines: str
    warning_signs: str
    anchors: str


@dataclass(frozen=True)
class DailyReads:
    """What one client's window holds (see the module docstring); lists are in a fixed order
    (days by day, practices by kind)."""

    days: list[DayRow]
    held_before: int
    practices: list[PracticeSums]
    urges: int
    urge_sum: int
    lapses: int
    plan: PlanRow | None


def _day(value: object) -> date:
    # SQLite returns a date column as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def daily_reads(*, client_id: int, first: date, last: date, with_plan: bool) -> DailyReads:
    """`client_id`'s figures for the local days `first` to `last` (inclusive), and their
    current DSAP when `with_plan` (1 query, whatever the history's length)."""
    window = "client_id = %s AND day >= %s AND day <= %s"
    span: list[int | str | date] = [client_id, first, last]
    sql = (
        f"SELECT {_DAY}, day, loudest_part, mood, urge, "  # noqa: S608 - names from the models, values bound
        "CASE WHEN evening_at IS NULL THEN 0 ELSE 1 END, "
        "CASE WHEN bottom_lines = %s THEN 1 ELSE 0 END, NULL, NULL, NULL "
        f"FROM {_t(Checkin)} WHERE {window} "
        f"UNION ALL SELECT {_HELD_BEFORE}, NULL, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL, "
        f"NULL FROM {_t(Checkin)} WHERE client_id = %s AND bottom_lines = %s AND day < %s "
        f"UNION ALL SELECT {_PRACTICE}, NULL, practice, COUNT(*), SUM(suds_before), "
        f"SUM(suds_after), NULL, NULL, NULL, NULL FROM {_t(PracticeLog)} WHERE {window} "
        "GROUP BY practice "
        f"UNION ALL SELECT {_URGES}, NULL, NULL, COUNT(*), SUM(intensity), NULL, NULL, NULL, "
        f"NULL, NULL FROM {_t(UrgeLog)} WHERE {window} "
        f"UNION ALL SELECT {_LAPSES}, NULL, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL "
        f"FROM {_t(Lapse)} WHERE {window}"
    )
    params: list[int | str | date] = [
        BottomLines.HELD.value,
        *span,
        client_id,
        BottomLines.HELD.value,
        first,
        *span,
        *span,
        *span,
    ]
    if with_plan:
        sql += (
            f" UNION ALL SELECT {_DSAP}, NULL, NULL, version, NULL, NULL, NULL, bottom_lines, "  # noqa: S608 - names from the models, values bound
            "warning_signs, anchors FROM (SELECT version, bottom_lines, warning_signs, anchors "
            f"FROM {_t(Dsap)} WHERE client_id = %s ORDER BY version DESC LIMIT 1) newest"
        )
        params.append(client_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    days: list[DayRow] = []
    practices: list[PracticeSums] = []
    held_before = urges = urge_sum = lapses = 0
    plan = None
    for kind, day, key, a, b, c, d, t1, t2, t3 in rows:
        if kind == _DAY:
            days.append(
                DayRow(
                    day=_day(day),
                    reviewed=bool(c),
                    mood=a,
                    urge=b,
                    loudest_part=key or "",
                    held=bool(d),
                )
            )
        elif kind == _HELD_BEFORE:
            held_before = int(a)
        elif kind == _PRACTICE:
            practices.append(PracticeSums(key, int(a), int(b), int(c)))
        elif kind == _URGES:
            urges, urge_sum = int(a), int(b or 0)
        elif kind == _LAPSES:
            lapses = int(a)
        else:
            plan = PlanRow(int(a), t1 or "", t2 or "", t3 or "")
    days.sort(key=lambda row: row.day)
    practices.sort(key=lambda row: row.practice)
    return DailyReads(
        days=days,
        held_before=held_before,
        practices=practices,
        urges=urges,
        urge_sum=urge_sum,
        lapses=lapses,
        plan=plan,
    )
