"""The record's worksheets section. Worksheets: every submitted version, newest first, with the
changes between versions and the care team's replies. Drafts are the client's own and never
shown."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment


def worksheets_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/worksheets.html."""
    return {}
