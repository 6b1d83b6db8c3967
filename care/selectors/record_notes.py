"""The record's notes section. Notes: the clinician's own progress notes, draft then signed."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment


def notes_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/notes.html."""
    return {}
