"""Quiet hours and reminder times, in the recipient's own time zone. Pure functions."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.localtime import local_instant


def in_quiet_hours(local_time: time, start: time, end: time) -> bool:
    """Whether a wall-clock time falls in quiet hours (which may span midnight)."""
    if start == end:
        return False
    if start < end:
        return start <= local_time < end
    return local_time >= start or local_time < end


def after_quiet_hours(moment: datetime, *, tz: str, start: time, end: time) -> datetime:
    """`moment` if it is outside quiet hours in `tz`, else the UTC instant quiet hours end."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return moment
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)  # quiet hours run past midnight: they end tomorrow
    return local_instant(day, end, tz).astimezone(UTC)


def local_moment_today(now: datetime, *, tz: str, at: time) -> datetime:
    """Today's `at` in `tz` (today as the recipient sees it), as a UTC instant."""
    day = now.astimezone(ZoneInfo(tz)).date()
    return local_instant(day, at, tz)
