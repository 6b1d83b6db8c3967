"""The record's pacing section. Pacing: the week-by-week schedule controls (hold, lift, open early,
pause, resume, shift) and the history of actions."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from accounts.models import User
from courses.models import Enrollment, EnrollmentStatus, PacingAction
from courses.selectors import ModuleState, program_map

from ..formhtml import escape
from ..forms import PACING_FORMS, PacingForm
from ..queries import record as queries


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
    """The enrollment's pacing actions, newest first, with their author and week (1 query,
    hand-written: care/queries/record.py)."""
    return queries.pacing_history(enrollment_id=enrollment.pk)


_MACHINE = r"Y-m-d\TH:i:sO"  # a <time> element's datetime, as |date:'Y-m-d\TH:i:sO' writes it


def schedule_table(rows: list[ScheduleRow]) -> SafeString:
    """The schedule's body rows, written here rather than in a template loop: due times in the
    active time zone (the viewer's), as the |date and |time filters give them; titles escaped."""
    out = []
    for row in rows:
        module = row.week.module
        due = localtime(row.week.due_at)
        if row.state == "held":
            state = '<span class="pacing-tag pacing-tag--held">Held</span>'
        elif row.state == "paused":
            state = "Waits for the program to resume"
        else:
            state = "Scheduled"
        out.append(
            f'<tr class="pacing-schedule__row pacing-schedule__row--{escape(row.state)}">\n'
            f'              <th scope="row">{module.week}</th>\n'
            f"              <td>{escape(module.title)}</td>\n"
            f'              <td><time datetime="{dateformat.format(due, _MACHINE)}">'
            f"{dateformat.format(due, 'D, M j, Y')} at {dateformat.time_format(due, 'g:i A')}"
            "</time></td>\n"
            f"              <td>{state}</td>\n"
            "            </tr>"
        )
    return mark_safe("\n          ".join(out))  # noqa: S308 (every value above is escaped or ours)


def history_table(history: list[PacingAction]) -> SafeString:
    """The history's body rows, newest first, written here rather than in a template loop
    (times in the active time zone, the viewer's); notes and names escaped."""
    out = []
    for action in history:
        created = localtime(action.created_at)
        kind = escape(action.get_kind_display())
        if action.kind == "hold" and action.lifted_at:
            lifted = dateformat.format(localtime(action.lifted_at), "M j")
            kind = f'{kind} <span class="muted">(lifted {lifted})</span>'
        if action.module:
            what = f"Week {action.module.week}"
        elif action.days is not None:
            sign = "+" if action.days > 0 else ""
            unit = "day" if action.days in (1, -1) else "days"
            what = f"{sign}{action.days} {unit}"
        else:
            what = ""
        if action.author is None:
            author = "E-Hab (automatic)"
        else:
            author = action.author.preferred_name or action.author.email
        out.append(
            "<tr>\n"
            f'              <td><time datetime="{dateformat.format(created, _MACHINE)}">'
            f"{dateformat.format(created, 'M j, Y g:i A')}</time></td>\n"
            f"              <td>{kind}</td>\n"
            f"              <td>{what}</td>\n"
            f"              <td>{escape(action.get_reason_code_display())}</td>\n"
            f'              <td class="pacing-history__note">{escape(action.note)}</td>\n'
            f"              <td>{escape(author)}</td>\n"
            "            </tr>"
        )
    return mark_safe("\n          ".join(out))  # noqa: S308 (every value above is escaped or ours)


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
    history = pacing_history(enrollment=enrollment)
    return {
        "enrollment": enrollment,
        "paused": paused,
        "paused_since": enrollment.paused_since if paused else None,
        "schedule": rows,
        "open_weeks": sum(1 for w in weeks if w.released),
        "total_weeks": len(weeks),
        "forms": pacing_forms(enrollment=enrollment, weeks=weeks, bound=bound),
        "history": history,
        "schedule_html": schedule_table(rows),
        "history_html": history_table(history),
        "error": error,
    }
