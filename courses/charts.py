"""The client's own distress ratings (SUDS, 0 to 10) before and after each lesson, as a small SVG
drawn on the server: no script, no chart library, the CSP stays strict. The page always puts the
same figures in a table under it (the chart's text alternative). Drawn the house way
(measures/charts.py): the markup is built and escaped here once, not in a template loop."""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .selectors import SudsReading

SUDS_MAX = 10

# The geometry, in SVG user units. A phone is 390 px wide: six readings fit without scrolling,
# and a longer history scrolls sideways inside its frame.
LEFT = 32
STEP = 44
RIGHT_PAD = 16
TOP = 12
PLOT_HEIGHT = 160
BOTTOM = 28
MIN_COLUMNS = 6


@dataclass(frozen=True)
class SudsChart:
    """What the template draws, each part already escaped, and a sentence for the <desc>."""

    width: int
    height: int
    summary: str
    axes: SafeString
    before: SafeString
    after: SafeString


def _x(number: int) -> float:
    return LEFT + STEP * (number - 0.5)


def _y(value: int) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / SUDS_MAX)


def _runs(points: list[tuple[float, float] | None]) -> list[str]:
    """The <polyline> points of each unbroken run of two or more ratings (a lesson rated only
    on one side breaks the other side's line rather than bridging it)."""
    runs: list[str] = []
    run: list[tuple[float, float]] = []
    for point in [*points, None]:
        if point is None:
            if len(run) > 1:
                runs.append(" ".join(f"{x:.1f},{y:.1f}" for x, y in run))
            run = []
        else:
            run.append(point)
    return runs


def _series(readings: list[SudsReading], side: str) -> SafeString:
    """One side's lines and markers: circles for before, squares for after (the shape tells
    them apart, not only the colour), each with its own <title>."""
    points: list[tuple[float, float] | None] = []
    markers = []
    for reading in readings:
        value = reading.before if side == "before" else reading.after
        if value is None:
            points.append(None)
            continue
        x, y = _x(reading.number), _y(value)
        points.append((x, y))
        markers.append((x, y, f"{reading.number}. {reading.lesson}: {side} {value}"))
    lines = format_html_join(
        "",
        '<polyline class="suds-chart__line" points="{}" fill="none"/>',
        ((run,) for run in _runs(points)),
    )
    if side == "before":
        shape = '<circle class="suds-chart__point" cx="{}" cy="{}" r="5"><title>{}</title></circle>'
        rows = [(f"{x:.1f}", f"{y:.1f}", label) for x, y, label in markers]
    else:
        shape = (
            '<rect class="suds-chart__point" x="{}" y="{}" width="9" height="9">'
            "<title>{}</title></rect>"
        )
        rows = [(f"{x - 4.5:.1f}", f"{y - 4.5:.1f}", label) for x, y, label in markers]
    return format_html("{}{}", lines, format_html_join("", shape, rows))


def _summary(readings: list[SudsReading]) -> str:
    both = [change for change in (r.change for r in readings) if change is not None]
    lower = sum(1 for change in both if change < 0)
    rated = f"You rated {len(readings)} lesson{'s' if len(readings) != 1 else ''}."
    if not both:
        return f"{rated} The table below gives every rating."
    return (
        f"{rated} Of the {len(both)} you rated before and after, the number after was lower in "
        f"{lower}. The table below gives every rating."
    )


def suds_chart(readings: list[SudsReading]) -> SudsChart:
    """The chart of `readings` (in the order the lessons were done)."""
    right = LEFT + STEP * max(len(readings), MIN_COLUMNS)
    grid = format_html_join(
        "",
        '<line class="suds-chart__grid" x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>'
        '<text class="suds-chart__label" x="{3}" y="{2}" text-anchor="end" '
        'dominant-baseline="middle">{4}</text>',
        ((LEFT, right, f"{_y(value):.1f}", LEFT - 6, value) for value in range(0, SUDS_MAX + 1, 2)),
    )
    numbers = format_html_join(
        "",
        '<text class="suds-chart__label" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((f"{_x(r.number):.1f}", TOP + PLOT_HEIGHT + 18, r.number) for r in readings),
    )
    return SudsChart(
        width=right + RIGHT_PAD,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        summary=_summary(readings),
        axes=format_html("{}{}", grid, numbers),
        before=_series(readings, "before"),
        after=_series(readings, "after"),
    )
