"""The record's suds section. SUDS: distress before and after each lesson, as a small chart with its
table."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment


def suds_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/suds.html."""
    return {}
