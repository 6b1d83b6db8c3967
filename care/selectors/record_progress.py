"""The record's progress section. Progress: every week of the track (open, locked, held,
completed), lessons done, time spent, "not today" choices, content notes acknowledged, and a
timeline drawn in SVG on the server (no script, no style attribute: strict CSP).

The reads are five at most whatever the client's history: the releases, the lesson progress,
the open holds and the submitted worksheets of the enrollment (one query each), and the track's
structure from courses' per-process cache (courses/content.py: two queries on a miss, none
after). The weeks themselves come from courses' own program map (courses.selectors.program_map),
so a week is open or completed here exactly when it is on the client's map."""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from core.localtime import local_instant
from courses.models import (
    Enrollment,
    EnrollmentStatus,
)
from courses.selectors import WeekIds, program_map

from ..formhtml import escape
from ..queries.record import ProgressReads, progress_reads

# A week's state on the record. Completed and open weeks are released; a held week waits on a
# clinician's hold (an open HOLD with lifted_at empty); a locked week is simply not due yet (or
# waits on something else: the schedule, a pause, billing).
OPEN = "open"
LOCKED = "locked"
HELD = "held"
COMPLETED = "completed"
STATE_LABELS = {OPEN: "Open", LOCKED: "Locked", HELD: "Held", COMPLETED: "Completed"}


@dataclass(frozen=True)
class WeekRow:
    """One week of the track as the weeks table shows it. Dates are days in the viewer's zone."""

    module_id: int
    week: int
    title: str
    state: str
    released_on: date | None  # when it opened
    due_on: date | None  # when it is due, for a week not open yet (None while paused or ended)
    lessons_done: int
    lessons_total: int
    minutes_spent: int | None  # None: no completed lesson with a start time
    not_today: int  # lessons set aside with "not today" (and not started since)
    trauma_intense: bool
    content_note_seen_on: date | None
    worksheets_sent: int  # submitted versions of the week's worksheets

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


# --- The timeline's geometry (SVG user units; the picture scales with its container) ----------
LANE_LABEL_WIDTH = 132
WEEK_WIDTH = 56
RIGHT_PAD = 16
TOP = 16
LANE_HEIGHT = 36
AXIS_HEIGHT = 28
MARKER = 5  # half the size of a marker
MAX_WEEKS_SHOWN = 104  # two years; a later event sits at the right edge
WIDE_AFTER_WEEKS = 16
STACK_OFFSETS = (0, -4, 4)
LANE_SHAPES = {
    "releases": "circle",
    "lessons": "square",
    "worksheets": "diamond",
}  # the markers of one day: centred, then above, then below


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str  # the marker's own <title>: what happened and when
    shape: str  # circle (a week opened), square (a lesson done), diamond (a worksheet sent)

    def svg(self) -> str:
        """The marker's element, its label escaped (the picture is built here, not in a template
        loop: a long history is hundreds of markers, and the template engine made the page
        slow; plain strings, not format_html, for the same reason)."""
        x, y, m = self.x, self.y, MARKER
        label = escape(self.label)
        if self.shape == "circle":
            return (
                f'<circle class="record-timeline__marker" cx="{x:.1f}" cy="{y:.1f}" r="{m + 1}">'
                f"<title>{label}</title></circle>"
            )
        if self.shape == "square":
            return (
                f'<rect class="record-timeline__marker" x="{x - m:.1f}" y="{y - m:.1f}" '
                f'width="{2 * m}" height="{2 * m}"><title>{label}</title></rect>'
            )
        d = m + 1
        points = f"{x:.1f},{y - d:.1f} {x + d:.1f},{y:.1f} {x:.1f},{y + d:.1f} {x - d:.1f},{y:.1f}"
        return (
            f'<polygon class="record-timeline__marker" points="{points}">'
            f"<title>{label}</title></polygon>"
        )


@dataclass(frozen=True)
class Lane:
    key: str  # releases, lessons, worksheets: the CSS modifier
    label: str
    y: float
    markers: list[Marker]

    @property
    def markup(self) -> SafeString:
        """Every marker of the lane, escaped, as one piece of SVG."""
        return mark_safe("".join(marker.svg() for marker in self.markers))  # noqa: S308


@dataclass(frozen=True)
class Tick:
    x: float  # where the week starts
    label: str

    @property
    def label_x(self) -> float:
        """The middle of the week, under which its number sits."""
        return self.x + WEEK_WIDTH / 2


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: float
    ticks: list[Tick]
    lanes: list[Lane]
    today_x: float | None
    summary: str  # the <desc>: counts, and where the same is in words
    lane_label_x: int = 8

    @property
    def plot_top(self) -> int:
        return TOP

    @property
    def wide(self) -> bool:
        """Too many weeks to shrink into the page legibly: drawn at its own size, scrolling."""
        return self.plot_right - self.plot_left > WIDE_AFTER_WEEKS * WEEK_WIDTH

    @property
    def label_y(self) -> float:
        """The baseline of the week numbers under the axis."""
        return self.axis_y + 18

    @property
    def grid(self) -> SafeString:
        """A line at the start of each numbered week, its number in the middle of the week."""
        return mark_safe(  # noqa: S308 (numbers, and the labels escaped)
            "".join(
                f'<line class="record-timeline__grid" x1="{t.x:.1f}" x2="{t.x:.1f}" y1="{TOP}" '
                f'y2="{self.axis_y}"/><text class="record-timeline__tick" x="{t.label_x:.1f}" '
                f'y="{self.label_y}" text-anchor="middle">{escape(t.label)}</text>'
                for t in self.ticks
            )
        )

    @property
    def today_label_y(self) -> int:
        return TOP - 4


@dataclass
class _Week:
    done: int = 0
    seconds: float = 0.0
    timed: int = 0
    not_today: int = 0
    worksheets: int = 0
    lesson_events: list[datetime] = field(default_factory=list)
    worksheet_events: list[datetime] = field(default_factory=list)


def _on(day: date) -> str:
    """A day as the record writes it ("D j M Y" through Django's own formatter, as |date)."""
    return dateformat.format(day, "D j M Y")


def weeks_table(rows: list[WeekRow], *, paused: bool) -> SafeString:
    """The weeks table's body rows, one <tr> a week, written here rather than in a template
    loop (eight cells a week, each with a date or a count). Titles are escaped."""
    out = []
    for w in rows:
        if w.released_on:
            opened = _on(w.released_on)
        elif w.due_on:
            opened = f'<span class="muted">Due {_on(w.due_on)}</span>'
        elif paused:
            opened = '<span class="muted">After the pause</span>'
        else:
            opened = '<span class="muted">Not opened</span>'
        if w.minutes_spent is not None:
            spent = f"{w.minutes_spent} min"
        else:
            spent = '<span class="muted">None</span>'
        if not w.trauma_intense:
            note = '<span class="muted">No note</span>'
        elif w.content_note_seen_on:
            note = f"Acknowledged {_on(w.content_note_seen_on)}"
        elif w.released_on:
            note = "Not yet"
        else:
            note = '<span class="muted">Not open yet</span>'
        out.append(
            f'<tr class="record-week record-week--{w.state}">\n'
            f'            <th scope="row"><span class="record-week__number">Week {w.week}</span>'
            f' <span class="record-week__title">{escape(w.title)}</span></th>\n'
            f'            <td><span class="record-state record-state--{w.state}">'
            f"{w.state_label}</span></td>\n"
            f'            <td class="record-weeks__nowrap">{opened}</td>\n'
            f"            <td>{w.lessons_done} of {w.lessons_total}</td>\n"
            f'            <td class="record-weeks__nowrap">{spent}</td>\n'
            f"            <td>{w.not_today}</td>\n"
            f"            <td>{note}</td>\n"
            f"            <td>{w.worksheets_sent}</td>\n"
            "          </tr>"
        )
    return mark_safe("\n          ".join(out))  # noqa: S308 (every value above is escaped or ours)


def _day(value: datetime | None, zone: ZoneInfo) -> date | None:
    return value.astimezone(zone).date() if value is not None else None


def progress_section(
    *,
    client: User,
    enrollment: Enrollment | None,
    viewer: User,
    now: datetime,
    reads: ProgressReads | None = None,
) -> dict[str, object]:
    """The context of templates/care/record/progress.html: `weeks` (a WeekRow per live week of
    the track, in order), `totals` and `timeline` (None without an enrollment), and `program`,
    the track's weeks as courses' program map has them (for the pacing section; absent without
    an enrollment). `reads` is the
    history when the page has read it already."""
    if enrollment is None:
        return {"weeks": [], "timeline": None, "totals": None}
    zone = ZoneInfo(viewer.timezone)
    if reads is None:
        reads = progress_reads(enrollment_id=enrollment.pk)
    releases = {m: (at, seen_at) for m, (at, seen_at, _) in reads.releases.items()}
    progress, held, submitted = reads.progress, reads.held, reads.submitted
    done_ids = {lesson_id for lesson_id, _, completed, _ in progress if completed is not None}
    states = program_map(
        enrollment=enrollment, progress=WeekIds(released=set(releases), done=done_ids, held=held)
    )
    module_of = {lesson.pk: s.module.pk for s in states for lesson in s.lessons}

    per_week: dict[int, _Week] = defaultdict(_Week)
    for lesson_id, started, completed, deferred in progress:
        module_id = module_of.get(lesson_id)
        if module_id is None:  # a lesson retired since: not on the track any more
            continue
        week = per_week[module_id]
        if completed is not None:
            week.done += 1
            week.lesson_events.append(completed)
            if started is not None and completed >= started:
                week.seconds += (completed - started).total_seconds()
                week.timed += 1
        if deferred is not None:
            week.not_today += 1
    for lesson_id, submitted_at in submitted:
        module_id = module_of.get(lesson_id)
        if module_id is None or submitted_at is None:
            continue
        per_week[module_id].worksheets += 1
        per_week[module_id].worksheet_events.append(submitted_at)

    # A paused program's dates move on every day of the pause, and an ended one has none.
    scheduled = enrollment.status == EnrollmentStatus.ACTIVE
    rows = []
    for state in states:
        module = state.module
        week = per_week[module.pk]
        released_at, seen_at = releases.get(module.pk, (None, None))
        if state.completed:
            kind = COMPLETED
        elif state.released:
            kind = OPEN
        elif module.pk in held:
            kind = HELD
        else:
            kind = LOCKED
        rows.append(
            WeekRow(
                module_id=module.pk,
                week=module.week,
                title=module.title,
                state=kind,
                released_on=_day(released_at, zone),
                due_on=None if state.released or not scheduled else _day(state.due_at, zone),
                lessons_done=week.done,
                lessons_total=len(state.lessons),
                minutes_spent=round(week.seconds / 60) if week.timed else None,
                not_today=week.not_today,
                trauma_intense=module.trauma_intense,
                content_note_seen_on=_day(seen_at, zone) if module.trauma_intense else None,
                worksheets_sent=week.worksheets,
            )
        )
    timed = [w for w in per_week.values() if w.timed]
    totals = {
        "lessons_done": sum(r.lessons_done for r in rows),
        "lessons_total": sum(r.lessons_total for r in rows),
        "minutes_spent": round(sum(w.seconds for w in timed) / 60) if timed else None,
        "not_today": sum(r.not_today for r in rows),
        "worksheets_sent": sum(r.worksheets_sent for r in rows),
        "weeks_open": sum(1 for r in rows if r.state in (OPEN, COMPLETED)),
    }
    timeline = _timeline(
        enrollment=enrollment,
        rows=rows,
        releases={m: r for m, (r, _) in releases.items()},
        per_week=per_week,
        zone=zone,
        now=now,
    )
    return {
        "weeks": rows,
        "weeks_html": weeks_table(rows, paused=enrollment.status == EnrollmentStatus.PAUSED),
        "totals": totals,
        "timeline": timeline,
        "program": states,
    }


def _timeline(
    *,
    enrollment: Enrollment,
    rows: list[WeekRow],
    releases: dict[int, datetime],
    per_week: dict[int, _Week],
    zone: ZoneInfo,
    now: datetime,
) -> Timeline:
    """Lay the enrollment's releases, completed lessons and submitted worksheets on a calendar
    whose x axis is the program's weeks, counted in 7-day steps from its start (midnight of the
    anchor day in the client's zone). A week held or paused shows as a release that comes later
    than its tick."""
    start = local_instant(enrollment.anchor_date, time(0), enrollment.client.timezone)
    week_of = {row.module_id: row.week for row in rows}
    lesson_events = [e for w in per_week.values() for e in w.lesson_events]
    worksheet_events = [e for w in per_week.values() for e in w.worksheet_events]
    latest = max([*releases.values(), *lesson_events, *worksheet_events], default=start)
    live = enrollment.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
    end = max(latest, now) if live else latest
    weeks_shown = max(
        enrollment.track.weeks,
        max((row.week for row in rows), default=1),
        math.ceil((end - start) / timedelta(days=7)),
    )
    weeks_shown = min(weeks_shown, MAX_WEEKS_SHOWN)
    plot_left = LANE_LABEL_WIDTH
    plot_right = plot_left + weeks_shown * WEEK_WIDTH
    span = timedelta(days=7 * weeks_shown)

    def x_of(instant: datetime) -> float:
        share = (instant - start) / span
        return plot_left + min(max(share, 0.0), 1.0) * (plot_right - plot_left)

    def when(instant: datetime) -> str:
        local = instant.astimezone(zone)
        return f"{local:%a} {local.day} {local:%b %Y}"

    lanes_spec = [
        (
            "releases",
            "Weeks opened",
            [(r, f"Week {week_of.get(m, '?')} opened {when(r)}") for m, r in releases.items()],
        ),
        ("lessons", "Lessons done", [(e, f"Lesson done {when(e)}") for e in lesson_events]),
        (
            "worksheets",
            "Worksheets sent",
            [(e, f"Worksheet sent {when(e)}") for e in worksheet_events],
        ),
    ]
    lanes = []
    for index, (key, label, events) in enumerate(lanes_spec):
        shape = LANE_SHAPES[key]
        y = TOP + LANE_HEIGHT * index + LANE_HEIGHT / 2
        # Markers on the same local day stack a little, so a busy day shows as more than one.
        same_day: Counter[date] = Counter()
        markers = []
        for instant, title in sorted(events):
            day = instant.astimezone(zone).date()
            offset = STACK_OFFSETS[same_day[day] % len(STACK_OFFSETS)]
            same_day[day] += 1
            markers.append(Marker(x=x_of(instant), y=y + offset, label=title, shape=shape))
        lanes.append(Lane(key=key, label=label, y=y, markers=markers))
    axis_y = TOP + LANE_HEIGHT * len(lanes_spec)
    every = 1 if weeks_shown <= 16 else 2 if weeks_shown <= 32 else 4
    ticks = [
        Tick(x=plot_left + (w - 1) * WEEK_WIDTH, label=str(w))
        for w in range(1, weeks_shown + 1)
        if (w - 1) % every == 0
    ]
    today_x = round(x_of(now), 1) if start <= now <= start + span else None
    counts = [
        f"{len(releases)} week{'s' if len(releases) != 1 else ''} opened",
        f"{len(lesson_events)} lesson{'s' if len(lesson_events) != 1 else ''} done",
        f"{len(worksheet_events)} worksheet{'s' if len(worksheet_events) != 1 else ''} sent",
    ]
    summary = (
        f"Over {weeks_shown} weeks from the start: {', '.join(counts)}. "
        "The weeks table above gives the same week by week."
    )
    return Timeline(
        width=plot_right + RIGHT_PAD,
        height=axis_y + AXIS_HEIGHT,
        plot_left=plot_left,
        plot_right=plot_right,
        axis_y=axis_y,
        ticks=ticks,
        lanes=lanes,
        today_x=today_x,
        summary=summary,
    )
