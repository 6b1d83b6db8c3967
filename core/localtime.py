"""Wall-clock times in a person's own time zone, as UTC instants. Pure functions."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_instant(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `tz`, DST-safe."""
    zone = ZoneInfo(tz)
    naive = datetime.combine(day, at)
    candidate = naive.replace(tzinfo=zone, fold=0)
    as_utc = candidate.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        # In a spring-forward gap: the first valid instant after the gap.
        later = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
        earlier = as_utc
        gap_end = min(later, earlier)
        while gap_end.astimezone(zone).replace(tzinfo=None) < naive:
            gap_end += timedelta(minutes=15)
        # Round back to the exact transition minute.
        while (gap_end - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None) >= naive:
            gap_end -= timedelta(minutes=1)
        return gap_end
    return as_utc


def add_business_hours(
    start: datetime,
    hours: float,
    *,
    tz: str,
    opens: time = time(9),
    closes: time = time(17),
    weekdays: frozenset[int] = frozenset(range(5)),
) -> datetime:
    """The UTC instant `hours` of business time after `start`: only time between `opens` and
    `closes` on `weekdays` (Monday is 0) in `tz` counts. A start outside business hours counts
    from the next opening. DST-safe: each day's opening and closing are wall-clock times."""
    zone = ZoneInfo(tz)
    left = timedelta(hours=hours)
    moment = start.astimezone(UTC)
    day = moment.astimezone(zone).date()
    while True:
        if day.weekday() in weekdays:
            day_open, day_close = local_instant(day, opens, tz), local_instant(day, closes, tz)
            begin = max(moment, day_open)
            if begin < day_close:
                if begin + left <= day_close:
                    return begin + left
                left -= day_close - begin
        day += timedelta(days=1)
        moment = max(moment, local_instant(day, time(0), tz))
