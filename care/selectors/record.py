"""What a client's record page shows, section by section. Each section has its own selector
module (care/selectors/record_<section>.py) returning the context its template
(templates/care/record/<section>.html) needs, in a number of queries that does not grow with the
client's history."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from accounts.models import User
from courses.models import Enrollment, EnrollmentStatus
from courses.selectors import ModuleState

from ..queries import record as queries
from ..queries.record import ProgressReads, progress_reads
from .record_daily import daily_section
from .record_diagnosis import diagnosis_section
from .record_hours import hours_section
from .record_measures import measures_section
from .record_notes import notes_section
from .record_pacing import pacing_section
from .record_progress import progress_section
from .record_risk import risk_section
from .record_safety_plan import safety_plan_section
from .record_suds import suds_section
from .record_worksheets import worksheets_section

# The record's sections in page order: (anchor, heading, selector). The anchor is the id of the
# section's element, which links (a message, the caseload) can land on.
SECTIONS = (
    ("risk", "Risk", risk_section),
    ("safety-plan", "Safety plan", safety_plan_section),
    ("progress", "Progress", progress_section),
    ("measures", "Measures", measures_section),
    ("suds", "SUDS", suds_section),
    ("daily", "Daily", daily_section),
    ("worksheets", "Worksheets", worksheets_section),
    ("hours", "Hours", hours_section),
    ("pacing", "Pacing", pacing_section),
    ("notes", "Notes", notes_section),
    ("diagnosis", "Diagnosis", diagnosis_section),
)


def record_enrollment(*, client: User) -> Enrollment | None:
    """The enrollment the record is about: the client's current (active or paused) one, else
    their most recently started finished one (completed or withdrawn), else None. Its track and
    cohort are attached and its `client` is `client` (1 query, whichever it is: hand-written,
    care/queries/record.py, so the record makes as many queries for a finished client)."""
    return queries.record_enrollment(client=client)


# The three states the header names; the enrollment's own status is finer (completed, withdrawn).
HEADER_STATUS: dict[str, tuple[str, str]] = {
    EnrollmentStatus.ACTIVE: ("active", "Active"),
    EnrollmentStatus.PAUSED: ("paused", "Paused"),
    EnrollmentStatus.COMPLETED: ("finished", "Finished: completed the program"),
    EnrollmentStatus.WITHDRAWN: ("finished", "Finished: left before the end"),
}


@dataclass(frozen=True)
class RecordHeader:
    """The top of the record: who, which program, where they are in it. Dates are days in the
    viewer's own time zone (`viewer_zone`)."""

    name: str
    viewer_zone: str
    today: date
    enrollment: Enrollment | None = None
    track_title: str = ""
    cohort_name: str = ""
    status: str = ""  # active, paused or finished
    status_label: str = ""
    paused_since: date | None = None
    start_date: date | None = None
    current_week: int | None = None  # the newest week open to the client
    weeks_open: int = 0
    weeks_total: int = 0


def _zone(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone)


def record_header(
    *,
    client: User,
    enrollment: Enrollment | None,
    viewer: User,
    now: datetime,
    reads: ProgressReads | None = None,
) -> RecordHeader:
    """The record's header for `viewer`: the weeks open and the newest of them come from the
    enrollment's history (no query without an enrollment or when the page passes the history
    it has read, `reads`; else 1)."""
    zone = _zone(viewer)
    name = client.preferred_name or client.email
    today = now.astimezone(zone).date()
    if enrollment is None:
        return RecordHeader(name=name, viewer_zone=viewer.timezone, today=today)
    if reads is None:
        reads = progress_reads(enrollment_id=enrollment.pk)
    status, status_label = HEADER_STATUS.get(
        enrollment.status, (enrollment.status, enrollment.get_status_display())
    )
    paused_since = None
    if enrollment.status == EnrollmentStatus.PAUSED and enrollment.paused_since is not None:
        paused_since = enrollment.paused_since.astimezone(zone).date()
    cohort = enrollment.cohort if enrollment.cohort_id else None
    return RecordHeader(
        name=name,
        viewer_zone=viewer.timezone,
        today=today,
        enrollment=enrollment,
        track_title=enrollment.track.title,
        cohort_name=cohort.name if cohort is not None else "",
        status=status,
        status_label=status_label,
        paused_since=paused_since,
        start_date=enrollment.anchor_date,
        current_week=reads.current_week,
        weeks_open=reads.weeks_open,
        weeks_total=enrollment.track.weeks,
    )


def record_context(*, client: User, viewer: User, now: datetime) -> dict[str, object]:
    """Everything the record page renders, for `viewer` (a member of the client's care team):
    the client, the enrollment, the header, and each section's own context under its anchor.
    The enrollment's history is read once (progress_reads) for the header, the progress and
    the pacing sections."""
    enrollment = record_enrollment(client=client)
    reads = progress_reads(enrollment_id=enrollment.pk) if enrollment is not None else None
    header = record_header(
        client=client, enrollment=enrollment, viewer=viewer, now=now, reads=reads
    )
    progress = progress_section(
        client=client, enrollment=enrollment, viewer=viewer, now=now, reads=reads
    )
    program = cast(list[ModuleState], progress.get("program", []))
    context: dict[str, object] = {
        "client": client,
        "enrollment": enrollment,
        "header": header,
        "now": now,
        "sections": [(anchor, heading) for anchor, heading, _ in SECTIONS],
        "risk": risk_section(client=client, enrollment=enrollment, viewer=viewer, now=now),
        "safety_plan": safety_plan_section(
            client=client, enrollment=enrollment, viewer=viewer, now=now
        ),
        "progress": progress,
        "measures": measures_section(client=client, enrollment=enrollment, viewer=viewer, now=now),
        "suds": suds_section(client=client, enrollment=enrollment, viewer=viewer, now=now),
        "daily": daily_section(client=client, enrollment=enrollment, viewer=viewer, now=now),
        "hours": hours_section(client=client, enrollment=enrollment, viewer=viewer, now=now),
        "worksheets": worksheets_section(
            client=client, enrollment=enrollment, viewer=viewer, now=now
        ),
        "pacing": pacing_section(
            client=client, enrollment=enrollment, viewer=viewer, now=now, weeks=program
        ),
        "notes": notes_section(client=client, enrollment=enrollment, viewer=viewer, now=now),
        "diagnosis": diagnosis_section(
            client=client, enrollment=enrollment, viewer=viewer, now=now
        ),
    }
    return context
