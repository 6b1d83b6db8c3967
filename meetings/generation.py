"""The meeting days of a series and their instants: pure functions (the rule is stated in
meetings/models.py)."""

from datetime import date, datetime, time, timedelta

from core.localtime import local_instant

# At most this many meeting days in one series (two years of weekly sessions).
MAX_MEETINGS = 104


def meeting_days(*, weekday: int, active_from: date, active_until: date) -> list[date]:
    """Every day from `active_from` to `active_until` (both included) falling on `weekday`
    (Monday is 0), in order."""
    first = active_from + timedelta(days=(weekday - active_from.weekday()) % 7)
    days = []
    day = first
    while day <= active_until:
        days.append(day)
        day += timedelta(weeks=1)
    return days


def session_instants(
    *, day: date, start_time: time, tz: str, length_minutes: int
) -> tuple[datetime, datetime]:
    """The UTC start and end of a session held at wall-clock `start_time` on `day` in `tz`
    (DST-safe: core.localtime.local_instant) lasting `length_minutes`."""
    starts_at = local_instant(day, start_time, tz)
    return starts_at, starts_at + timedelta(minutes=length_minutes)


def weeks_of(*, start: date, weeks: int) -> tuple[date, date]:
    """The first and last day of `weeks` weeks counted from `start` (a track's length from a
    cohort's start)."""
    return start, start + timedelta(weeks=weeks, days=-1)
