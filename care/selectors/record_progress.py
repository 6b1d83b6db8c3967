"""The record's progress section. Progress: every week of the track (open, locked, held), lessons
done, time spent, "not today" choices, content notes acknowledged, and a timeline drawn in SVG."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment


def progress_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/progress.html."""
    return {}
