"""When a week is due: pure functions, no database.

Week `w` of an enrollment is due on the first release weekday on or after
`anchor + (w - 1) * 7 days + paused days`, at the track's release time in the client's own time
zone, stored in UTC. Week 1 is due on the anchor day itself (nobody waits for a Monday to begin).
Local times that do not exist (the spring-forward gap) move to the first valid instant after the
gap; repeated times (fall-back) take their first occurrence.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from courses.models import Enrollment, Module


def due_date(*, anchor: date, week: int, release_weekday: int, paused_days: int = 0) -> date:
    """The local calendar day on which week `week` opens."""
    if week < 1:
        raise ValueError("Weeks start at 1.")
    base = anchor + timedelta(days=(week - 1) * 7 + paused_days)
    if week == 1:
        return base
    return base + timedelta(days=(release_weekday - base.weekday()) % 7)


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


def due_at(
    *,
    anchor: date,
    week: int,
    release_weekday: int,
    release_time: time,
    tz: str,
    paused_days: int = 0,
) -> datetime:
    """The UTC instant week `week` is due for a client in time zone `tz`."""
    day = due_date(
        anchor=anchor, week=week, release_weekday=release_weekday, paused_days=paused_days
    )
    return local_instant(day, release_time, tz)


def due_weeks(
    *,
    anchor: date,
    weeks: int,
    release_weekday: int,
    release_time: time,
    tz: str,
    paused_days: int,
    now: datetime,
) -> list[int]:
    """Every week of a `weeks`-long track that is due at `now`, in order."""
    return [
        w
        for w in range(1, weeks + 1)
        if due_at(
            anchor=anchor,
            week=w,
            release_weekday=release_weekday,
            release_time=release_time,
            tz=tz,
            paused_days=paused_days,
        )
        <= now
    ]


def module_due_at(*, enrollment: "Enrollment", module: "Module") -> datetime:
    """When `module` is due for `enrollment`: `due_at` with the enrollment's anchor, the track's
    release weekday and time, the client's time zone and the days paused so far."""
    track = enrollment.track
    return due_at(
        anchor=enrollment.anchor_date,
        week=module.week,
        release_weekday=track.release_weekday,
        release_time=track.release_time,
        tz=enrollment.client.timezone,
        paused_days=enrollment.paused_days,
    )
