"""The record's Measures section: each instrument's scores over time (a chart with its table:
total, band, change since the baseline and reliable change), what is due or next, the client's
"not now" choices, and the controls to change the interval or ask for answers now."""

from datetime import datetime
from zoneinfo import ZoneInfo

from accounts.models import User
from courses.models import Enrollment, EnrollmentStatus
from measures.selectors import client_measures

from ..forms import MeasureIntervalForm


def measures_section(
    *,
    client: User,
    enrollment: Enrollment | None,
    viewer: User,
    now: datetime,
    interval_form: MeasureIntervalForm | None = None,
) -> dict[str, object]:
    """The context of templates/care/record/measures.html (4 queries, however many answers).
    The schedule is the record enrollment's while it is active; otherwise nothing is due."""
    active = enrollment is not None and enrollment.status == EnrollmentStatus.ACTIVE
    measures = client_measures(
        client_id=client.pk,
        zone=ZoneInfo(viewer.timezone),
        anchor=enrollment.created_at if active and enrollment else None,
        now=now,
    )
    schedule = measures.schedule
    if interval_form is None and schedule is not None:
        interval_form = MeasureIntervalForm(initial={"interval_days": schedule.interval_days})
    return {
        "histories": measures.histories,
        "schedule": schedule,
        "skips": measures.skips[:10],
        "skips_total": len(measures.skips),
        "interval_form": interval_form,
    }
