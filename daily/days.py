"""The client's days, stated once (decision 0016). Pure functions of `now` and a time zone.

- A day is the client's local calendar day in their own zone (DST days are 23 or 25 hours).
- Today's check-in, and yesterday's, can be written and changed: a check-in is editable until
  the end of the day after it.
- A missed day from the last LATE_FILL_DAYS days can still be filled in; it is marked late (first
  written after its day ended) and stays editable until the end of the day it was filled in.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.localtime import local_instant

LATE_FILL_DAYS = 7


def local_today(*, now: datetime, tz: str) -> date:
    """The client's local date at `now`."""
    return now.astimezone(ZoneInfo(tz)).date()


def day_start(*, day: date, tz: str) -> datetime:
    """The UTC instant the local `day` begins in `tz`."""
    return local_instant(day, time(0), tz)


def is_late(*, day: date, now: datetime, tz: str) -> bool:
    """A check-in first written at `now` for `day` is late when `day` has already ended."""
    return local_today(now=now, tz=tz) > day


def can_fill(*, day: date, now: datetime, tz: str) -> bool:
    """A day with no check-in yet can be filled in: today, or one of the LATE_FILL_DAYS before."""
    today = local_today(now=now, tz=tz)
    return today - timedelta(days=LATE_FILL_DAYS) <= day <= today


def can_edit(*, day: date, filled_on: date, now: datetime, tz: str) -> bool:
    """A stored check-in for `day`, first written on the local date `filled_on`, can be changed
    until the end of the day after `day`, or until the end of `filled_on` when that is later."""
    today = local_today(now=now, tz=tz)
    return day <= today <= max(day + timedelta(days=1), filled_on)
