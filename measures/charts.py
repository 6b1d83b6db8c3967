"""An instrument's scores over time as a small SVG drawn on the server (no script, no chart
library, CSP stays strict): the severity bands as quiet horizontal stripes, the totals as a line
with a marker per answer. The page always puts the same figures in a table beside it (the
chart's text alternative). Used by the client's own page and the care team's record."""

from dataclasses import dataclass
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .instruments import InstrumentSpec

LEFT = 36
STEP = 48
RIGHT_PAD = 20
TOP = 10
PLOT_HEIGHT = 150
BOTTOM = 26
MIN_COLUMNS = 6


@dataclass(frozen=True)
class TrendPoint:
    on: date
    total: int


@dataclass(frozen=True)
class TrendChart:
    """What the template draws: the viewBox, the band stripes and the line with its markers,
    each already escaped, and a one-sentence summary for the <desc>."""

    title: str
    width: int
    height: int
    summary: str
    stripes: SafeString
    axis: SafeString
    line: SafeString


def _y(value: float, top_value: int) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / top_value)


def _band_edges(low: int, high: int, top_value: int) -> tuple[float, float]:
    """A band's stripe from half a point below its lowest score to half a point above its
    highest, within the scale: (upper y, lower y)."""
    return _y(min(high + 0.5, top_value), top_value), _y(max(low - 0.5, 0), top_value)


def _x(index: int) -> float:
    return LEFT + STEP * (index + 0.5)


def _summary(spec: InstrumentSpec, points: list[TrendPoint]) -> str:
    first, last = points[0], points[-1]
    if len(points) == 1:
        return f"One answer: {last.total} of {spec.max_total} on {last.on:%b %d, %Y}."
    return (
        f"{len(points)} answers from {first.on:%b %d, %Y} to {last.on:%b %d, %Y}: "
        f"{first.total} at first, {last.total} most recently, of {spec.max_total}."
    )


def trend_chart(spec: InstrumentSpec, points: list[TrendPoint], *, title: str) -> TrendChart:
    """The chart of `points` (oldest first) on `spec`'s scale, with its bands."""
    top_value = spec.max_total or 1
    right = LEFT + STEP * max(len(points), MIN_COLUMNS)
    stripes = format_html_join(
        "",
        '<rect class="trend__band trend__band--{}" x="{}" y="{}" width="{}" height="{}">'
        "<title>{}: {} to {}</title></rect>",
        (
            (
                index % 2,
                LEFT,
                f"{upper:.1f}",
                right - LEFT,
                f"{lower - upper:.1f}",
                band.label,
                band.min,
                band.max,
            )
            for index, band in enumerate(spec.bands)
            for upper, lower in [_band_edges(band.min, band.max, top_value)]
        ),
    )
    axis = format_html_join(
        "",
        '<text class="trend__label" x="{}" y="{}" text-anchor="end" '
        'dominant-baseline="middle">{}</text>',
        ((LEFT - 6, f"{_y(value, top_value):.1f}", value) for value in _ticks(spec)),
    )
    coords = [(_x(i), _y(p.total, top_value)) for i, p in enumerate(points)]
    polyline = (
        format_html(
            '<polyline class="trend__line" fill="none" points="{}"/>',
            " ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        )
        if len(coords) > 1
        else ""
    )
    markers = format_html_join(
        "",
        '<circle class="trend__point" cx="{}" cy="{}" r="4.5"><title>{}: {}</title></circle>',
        (
            (f"{x:.1f}", f"{y:.1f}", f"{p.on:%b %d, %Y}", p.total)
            for (x, y), p in zip(coords, points, strict=True)
        ),
    )
    return TrendChart(
        title=title,
        width=right + RIGHT_PAD,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        summary=_summary(spec, points) if points else "No answers yet.",
        stripes=stripes,
        axis=axis,
        line=format_html("{}{}", polyline, markers),
    )


def _ticks(spec: InstrumentSpec) -> list[int]:
    """The scale's labels: its ends and where each band begins."""
    values = {spec.min_total, spec.max_total} | {band.min for band in spec.bands}
    return sorted(values)
