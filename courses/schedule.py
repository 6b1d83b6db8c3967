"""When a week is due: pure functions, no database.

Week `w` of an enrollment is due on the first release weekday on or after
`anchor + (w - 1) * 7 days + paused days`, at the track's release time in the client's own time
zone, stored in UTC. Week 1 is due on the anchor day itself (nobody waits for a Monday to begin).
Local times that do not exist (the spring-forward gap) move to the first valid instant after the
gap; repeated times (fall-back) take their first occurrence.
"""

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from core.localtime import local_instant

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
