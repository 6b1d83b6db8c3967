"""The record's suds section. SUDS: distress (0 to 10) before and after each lesson that asks for
it, in the order the lessons were done, as a small chart drawn in SVG on the server with its
table as the text alternative. One query (hand-written: care/queries/record.py), however many
readings there are."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.models import User
from courses.models import Enrollment
from courses.selectors import SudsReading

from ..queries.record import suds_rows

SUDS_MAX = 10


class Reading(SudsReading):
    """One lesson's SUDS before and after, as the record's table shows it (the client's own
    reading of courses, with the change written as people write it)."""

    @property
    def change_label(self) -> str:
        """The change with its sign, as people write it: −3, +2, 0 (a true minus sign)."""
        change = self.change
        if change is None:
            return ""
        if change < 0:
            return f"\u2212{-change}"
        return f"+{change}" if change > 0 else "0"


# --- The chart's geometry (SVG user units; the picture scales with its container) -------------
LEFT = 40
STEP = 56
RIGHT_PAD = 24
TOP = 12
PLOT_HEIGHT = 180
BOTTOM = 28
MIN_POINTS = 6  # a chart of one or two readings keeps a sensible width


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the point's own <title>

    @property
    def corner(self) -> tuple[float, float]:
        """The top left corner of a square marker centred on the point, for a <rect>."""
        return round(self.x - 4.5, 1), round(self.y - 4.5, 1)


@dataclass(frozen=True)
class Series:
    key: str  # before, after: the CSS modifier and the marker's shape
    label: str
    points: list[Point]
    lines: list[str]  # <polyline> points, one per unbroken run of readings

    @property
    def markup(self) -> SafeString:
        """The series' lines and markers (circles before, squares after), escaped; built here
        rather than in a template loop, which made a long history slow to render."""
        lines = format_html_join(
            "",
            '<polyline class="record-suds__line" points="{}" fill="none"/>',
            ((line,) for line in self.lines),
        )
        if self.key == "before":
            shape = (
                '<circle class="record-suds__point" cx="{}" cy="{}" r="5">'
                "<title>{}</title></circle>"
            )
            rows = ((f"{p.x:.1f}", f"{p.y:.1f}", p.label) for p in self.points)
        else:
            shape = (
                '<rect class="record-suds__point" x="{}" y="{}" width="9" height="9">'
                "<title>{}</title></rect>"
            )
            rows = ((f"{p.corner[0]:.1f}", f"{p.corner[1]:.1f}", p.label) for p in self.points)
        return format_html("{}{}", lines, format_html_join("", shape, rows))


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    gridlines: list[tuple[float, int]]  # (y, value) at 0, 2, ... 10
    label_x: int  # where the values of the y axis end, left of the plot
    label_y: int  # the baseline of the reading numbers under the plot
    xlabels: list[tuple[float, int]]  # (x, reading number)
    series: list[Series]
    summary: str

    @property
    def axes(self) -> SafeString:
        """A gridline and its value every 2 points of the scale, and each reading's number under
        the plot, escaped."""
        grid = format_html_join(
            "",
            '<line class="record-suds__grid" x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>'
            '<text class="record-suds__axis-label" x="{3}" y="{2}" text-anchor="end" '
            'dominant-baseline="middle">{4}</text>',
            ((self.left, self.right, f"{y:.1f}", self.label_x, v) for y, v in self.gridlines),
        )
        numbers = format_html_join(
            "",
            '<text class="record-suds__axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
            ((f"{x:.1f}", self.label_y, n) for x, n in self.xlabels),
        )
        return format_html("{}{}", grid, numbers)


def _y(value: int) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / SUDS_MAX)


def _x(number: int) -> float:
    return LEFT + STEP * (number - 0.5)


def _series(key: str, label: str, readings: list[Reading]) -> Series:
    points: list[Point] = []
    lines: list[str] = []
    run: list[str] = []
    for reading in readings:
        value = reading.before if key == "before" else reading.after
        if value is None:
            if len(run) > 1:
                lines.append(" ".join(run))
            run = []
            continue
        x, y = round(_x(reading.number), 1), round(_y(value), 1)
        points.append(
            Point(x=x, y=y, label=f"{reading.number}. {reading.lesson}: {label.lower()} {value}")
        )
        run.append(f"{x:.1f},{y:.1f}")
    if len(run) > 1:
        lines.append(" ".join(run))
    return Series(key=key, label=label, points=points, lines=lines)


def _chart(readings: list[Reading]) -> Chart:
    columns = max(len(readings), MIN_POINTS)
    right = LEFT + STEP * columns
    changes = [r.change for r in readings if r.change is not None]
    lower = sum(1 for c in changes if c < 0)
    if changes:
        summary = (
            f"{len(readings)} lesson{'s' if len(readings) != 1 else ''} with a rating; "
            f"distress was lower after the lesson in {lower} of the {len(changes)} with both "
            "ratings. The table below gives every rating."
        )
    else:
        summary = f"{len(readings)} lesson(s) with a rating. The table below gives every rating."
    return Chart(
        width=right + RIGHT_PAD,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=TOP + PLOT_HEIGHT,
        label_x=LEFT - 8,
        label_y=TOP + PLOT_HEIGHT + 18,
        gridlines=[(_y(v), v) for v in range(0, SUDS_MAX + 1, 2)],
        xlabels=[(_x(r.number), r.number) for r in readings],
        series=[_series("before", "Before", readings), _series("after", "After", readings)],
        summary=summary,
    )


def suds_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/suds.html: `readings` (a Reading per lesson with a
    SUDS rating, in the order the lessons were done; one not done yet comes last, by when it
    was started) and `chart` (None when there is no reading)."""
    if enrollment is None:
        return {"readings": [], "chart": None}
    zone = ZoneInfo(viewer.timezone)
    rows = [
        (r.title, r.week, r.started_at, r.completed_at, r.before, r.after)
        for r in suds_rows(enrollment_id=enrollment.pk)
    ]
    readings = []
    for number, (title, week, started, completed, before, after) in enumerate(rows, start=1):
        moment = completed or started
        readings.append(
            Reading(
                number=number,
                lesson=title,
                week=week,
                on=moment.astimezone(zone).date() if moment is not None else None,
                done=completed is not None,
                before=before,
                after=after,
            )
        )
    return {"readings": readings, "chart": _chart(readings) if readings else None}
