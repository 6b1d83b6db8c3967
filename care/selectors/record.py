"""What a client's record page shows, section by section. Each section has its own selector
module (care/selectors/record_*.py) returning the context its template
(templates/care/record/<section>.html) needs, in a number of queries that does not grow with the
client's history."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment
from courses.selectors import client_enrollments


def record_enrollment(*, client: User) -> Enrollment | None:
    """The enrollment the record is about: the client's current (active or paused) one."""
    return client_enrollments(client=client).current


def record_context(*, client: User, viewer: User, now: datetime) -> dict[str, object]:
    """Everything the record page renders, for `viewer` (a member of the client's care team)."""
    enrollment = record_enrollment(client=client)
    return {"client": client, "enrollment": enrollment, "now": now}
