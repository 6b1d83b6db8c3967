"""The record's pacing section. Pacing: the week-by-week schedule controls (hold, lift, open early,
pause, resume, shift) and the history of actions."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment


def pacing_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/pacing.html."""
    return {}
