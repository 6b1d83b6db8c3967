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
