"""What a client's record page shows, section by section. Each section has its own selector
module (care/selectors/record_<section>.py) returning the context its template
(templates/care/record/<section>.html) needs, in a number of queries that does not grow with the
client's history."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment
from courses.selectors import client_enrollments

from .record_notes import notes_section
from .record_pacing import pacing_section
from .record_progress import progress_section
from .record_suds import suds_section
from .record_worksheets import worksheets_section

# The record's sections in page order: (anchor, heading, selector). The anchor is the id of the
# section's element, which links (a message, the caseload) can land on.
SECTIONS = (
    ("progress", "Progress", progress_section),
    ("suds", "SUDS", suds_section),
    ("worksheets", "Worksheets", worksheets_section),
    ("pacing", "Pacing", pacing_section),
    ("notes", "Notes", notes_section),
)


def record_enrollment(*, client: User) -> Enrollment | None:
    """The enrollment the record is about: the client's current (active or paused) one."""
    return client_enrollments(client=client).current


def record_context(*, client: User, viewer: User, now: datetime) -> dict[str, object]:
    """Everything the record page renders, for `viewer` (a member of the client's care team):
    the client, the enrollment, and each section's own context under its anchor."""
    enrollment = record_enrollment(client=client)
    context: dict[str, object] = {
        "client": client,
        "enrollment": enrollment,
        "now": now,
        "sections": [(anchor, heading) for anchor, heading, _ in SECTIONS],
    }
    for anchor, _, section in SECTIONS:
        context[anchor] = section(client=client, enrollment=enrollment, viewer=viewer, now=now)
    return context
