"""The record's hours section: the client's program hours each week against their track's
target (meetings.hours, the one definition) and their latest attendance. Three queries whatever
the history (the attendance, the completed lessons, the latest sessions)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from accounts.models import User
from courses.models import Enrollment
from meetings.hours import client_hours
from meetings.selectors_attendance import client_attendance

# The newest sessions listed on the record (the client's own page lists them all).
SESSIONS_SHOWN = 12


def hours_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/hours.html: `hours` (None without a program that
    has begun) and `sessions`, the newest SESSIONS_SHOWN attendances in the viewer's zone."""
    return {
        "hours": client_hours(
            client=client, now=now, chart_id="record-hours", enrollment=enrollment
        )
        if enrollment is not None
        else None,
        "sessions": client_attendance(
            client=client, zone=ZoneInfo(viewer.timezone), limit=SESSIONS_SHOWN
        ),
        "sessions_shown": SESSIONS_SHOWN,
    }
