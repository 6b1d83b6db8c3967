"""The record's pacing section. Pacing: the week-by-week schedule controls (hold, lift, open early,
pause, resume, shift) and the history of actions."""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import User
from courses.models import Enrollment, EnrollmentStatus, PacingAction
from courses.selectors import ModuleState, program_map

from ..forms import PACING_FORMS, PacingForm


@dataclass(frozen=True)
class ScheduleRow:
    """A week not open yet, as the care team sees it."""

    week: ModuleState
    state: str  # "held", "paused" or "scheduled"


def pacing_weeks(*, enrollment: Enrollment) -> list[ModuleState]:
    """Every week of the enrollment's track, open, held or locked (1 query; the track's
    structure is cached per process)."""
    return program_map(enrollment=enrollment)


def pacing_forms(
    *, enrollment: Enrollment, weeks: list[ModuleState], bound: PacingForm | None = None
) -> list[PacingForm]:
    """The verbs that fit the enrollment now, each as an empty form, in page order; `bound`
    (a refused form coming back with its errors) takes its verb's place, or is added if its
    verb no longer fits, so its errors are always shown."""
    forms: list[PacingForm] = []
    for verb, form_class in PACING_FORMS.items():
        if bound is not None and bound.verb == verb:
            forms.append(bound)
            continue
        form = form_class(weeks=weeks)
        if verb == "pause" and enrollment.status != EnrollmentStatus.ACTIVE:
            continue
        if verb == "resume" and enrollment.status != EnrollmentStatus.PAUSED:
            continue
        if not getattr(form, "available", True):
            continue
        forms.append(form)
    return forms


def pacing_history(*, enrollment: Enrollment) -> list[PacingAction]:
    """The enrollment's pacing actions, newest first, with their author and week (1 query)."""
    return list(
        PacingAction.objects.filter(enrollment=enrollment)
        .select_related("author", "module")
        .order_by("-created_at", "-id")
    )


def pacing_section(
    *,
    client: User,
    enrollment: Enrollment | None,
    viewer: User,
    now: datetime,
    bound: PacingForm | None = None,
    error: str = "",
    weeks: list[ModuleState] | None = None,
) -> dict[str, object]:
    """The context of templates/care/record/pacing.html: the weeks not open yet with their due
    time (shown in the viewer's zone) and whether each is held, the forms for the verbs that
    fit, and the history (2 queries, however long the track or the history; 1 when the page
    passes the program map it has already built as `weeks`). `bound` and `error` bring back a
    refused action."""
    if enrollment is None:
        return {"enrollment": None, "error": error}
    if weeks is None:
        weeks = pacing_weeks(enrollment=enrollment)
    paused = enrollment.status == EnrollmentStatus.PAUSED
    rows = [
        ScheduleRow(week=w, state="held" if w.held else "paused" if paused else "scheduled")
        for w in weeks
        if not w.released
    ]
    return {
        "enrollment": enrollment,
        "paused": paused,
        "paused_since": enrollment.paused_since if paused else None,
        "schedule": rows,
        "open_weeks": sum(1 for w in weeks if w.released),
        "total_weeks": len(weeks),
        "forms": pacing_forms(enrollment=enrollment, weeks=weeks, bound=bound),
        "history": pacing_history(enrollment=enrollment),
        "error": error,
    }
