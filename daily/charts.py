"""The trends' charts as small SVGs drawn on the server, the house way (measures/charts.py): no
script, no chart library, the CSP stays strict, every value escaped. Each chart carries its
figures as text too (a <title> on each mark, a value label beside each bar), so no meaning rests
on colour alone; the page always puts the same figures in a table beside it.

Three shapes: columns (a rate per week), a line (an average per week, with gaps where there
was nothing to average, or a count going up), and horizontal bars (a count per part, SUDS before
and after per practice)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .selectors.trends import Trends

LEFT = 34
TOP = 12
PLOT_HEIGHT = 120
BOTTOM = 28
RIGHT_PAD = 12
STEP = 40
BAR_LABEL = 132  # room for a part's or a practice's name left of its bar
BAR_WIDTH = 170
BAR_HEIGHT = 14
BAR_GAP = 10
ROW_GAP = 14


@dataclass(frozen=True)
class Chart:
    """What the template draws: the viewBox, the marks (escaped) and a one-sentence summary
    for the <desc>."""

    title: str
    summary: str
    width: int
    height: int
    body: SafeString


def _y(value: float, top: float) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / top) if top else TOP + PLOT_HEIGHT


def _x(index: int) -> float:
    return LEFT + STEP * (index + 0.5)


def _axis(ticks: Sequence[tuple[float, str]], top: float, right: float) -> SafeString:
    """Quiet grid lines with their labels at the left."""
    return format_html_join(
        "",
        '<line class="chart__grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
        '<text class="chart__label" x="{}" y="{}" text-anchor="end" '
        'dominant-baseline="middle">{}</text>',
        (
            (LEFT, y, right, y, LEFT - 5, y, text)
            for value, text in ticks
            for y in [f"{_y(value, top):.1f}"]
        ),
    )


def _x_labels(labels: Sequence[str]) -> SafeString:
    base = TOP + PLOT_HEIGHT + 18
    return format_html_join(
        "",
        '<text class="chart__label" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((f"{_x(i):.1f}", base, label) for i, label in enumerate(labels)),
    )


def columns_chart(
    *, title: str, summary: str, labels: Sequence[str], values: Sequence[float],
    top: float, texts: Sequence[str], ticks: Sequence[tuple[float, str]],
) -> Chart:  # fmt: skip
    """A column per label, `values` on a 0..`top` scale; `texts` name each column's value."""
    right = LEFT + STEP * len(labels)
    columns = format_html_join(
        "",
        '<rect class="chart__column" x="{}" y="{}" width="{}" height="{}">'
        "<title>{}: {}</title></rect>",
        (
            (
                f"{_x(i) - STEP * 0.3:.1f}",
                f"{_y(value, top):.1f}",
                f"{STEP * 0.6:.1f}",
                f"{TOP + PLOT_HEIGHT - _y(value, top):.1f}",
                label,
                text,
            )
            for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True))
        ),
    )
    return Chart(
        title=title,
        summary=summary,
        width=right + RIGHT_PAD,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        body=format_html("{}{}{}", _axis(ticks, top, right), columns, _x_labels(labels)),
    )


def line_chart(
    *, title: str, summary: str, labels: Sequence[str], values: Sequence[float | None],
    top: float, texts: Sequence[str], ticks: Sequence[tuple[float, str]],
) -> Chart:  # fmt: skip
    """A line through `values` on a 0..`top` scale, broken where a value is None; a marker with
    its `texts` as a title at each value."""
    right = LEFT + STEP * len(labels)
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((_x(i), _y(value, top)))
    lines = format_html_join(
        "",
        '<polyline class="chart__line" fill="none" points="{}"/>',
        ((" ".join(f"{x:.1f},{y:.1f}" for x, y in run),) for run in runs if len(run) > 1),
    )
    markers = format_html_join(
        "",
        '<circle class="chart__point" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>',
        (
            (f"{_x(i):.1f}", f"{_y(value, top):.1f}", label, text)
            for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True))
            if value is not None
        ),
    )
    return Chart(
        title=title,
        summary=summary,
        width=right + RIGHT_PAD,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        body=format_html("{}{}{}{}", _axis(ticks, top, right), lines, markers, _x_labels(labels)),
    )


@dataclass(frozen=True)
class Bar:
    value: float
    text: str  # the value in words, written at the bar's end
    kind: str = "count"  # the bar's style: count, before, after


def bars_chart(
    *, title: str, summary: str, rows: Sequence[tuple[str, Sequence[Bar]]], top: float
) -> Chart:
    """Horizontal bars: a group per row (its label at the left), one bar per value on a
    0..`top` scale, each with its value written at its end."""
    marks = []
    y = TOP
    for label, bars in rows:
        group = len(bars) * BAR_HEIGHT + (len(bars) - 1) * 3
        marks.append(
            format_html(
                '<text class="chart__label chart__label--row" x="{}" y="{}" '
                'dominant-baseline="middle">{}</text>',
                4,
                f"{y + group / 2:.1f}",
                label,
            )
        )
        for bar in bars:
            length = BAR_WIDTH * bar.value / top if top else 0
            marks.append(
                format_html(
                    '<rect class="chart__bar chart__bar--{}" x="{}" y="{}" width="{}" '
                    'height="{}"><title>{}: {}</title></rect>'
                    '<text class="chart__label" x="{}" y="{}" dominant-baseline="middle">{}</text>',
                    bar.kind,
                    BAR_LABEL,
                    y,
                    f"{max(length, 1):.1f}",
                    BAR_HEIGHT,
                    label,
                    bar.text,
                    f"{BAR_LABEL + max(length, 1) + 4:.1f}",
                    f"{y + BAR_HEIGHT / 2:.1f}",
                    bar.text,
                )
            )
            y += BAR_HEIGHT + 3
        y += ROW_GAP - 3
    return Chart(
        title=title,
        summary=summary,
        width=BAR_LABEL + BAR_WIDTH + 90,
        height=max(y, TOP + BAR_HEIGHT) + TOP - ROW_GAP + 6,
        body=format_html_join("", "{}", ((mark,) for mark in marks)),
    )


# --- The trends' charts -------------------------------------------------------------------------


def _week_label(trends: Trends, index: int) -> str:
    return f"{trends.week_rows[index].first:%b} {trends.week_rows[index].first.day}"


def _labels(trends: Trends) -> list[str]:
    return [_week_label(trends, i) for i in range(len(trends.week_rows))]


def _scale_ticks() -> list[tuple[float, str]]:
    return [(0, "0"), (5, "5"), (10, "10")]


def rate_chart(trends: Trends) -> Chart:
    rows = trends.week_rows
    return columns_chart(
        title="Check-ins each week",
        summary=(
            f"Evening check-ins on {trends.reviewed} of {trends.days} days over "
            f"{trends.weeks} weeks, week by week: "
            + ", ".join(f"{row.reviewed} of 7" for row in rows)
            + "."
        ),
        labels=_labels(trends),
        values=[row.reviewed for row in rows],
        top=7,
        texts=[f"{row.reviewed} of 7 days" for row in rows],
        ticks=[(0, "0"), (7, "7")],
    )


def _average_text(value: float | None) -> str:
    return "no answers" if value is None else f"{value:g} of 10"


def scale_chart(trends: Trends, *, field: str, title: str) -> Chart:
    """The weekly average of `field` (mood or urge), 0 to 10."""
    values = [getattr(row, field) for row in trends.week_rows]
    present = [value for value in values if value is not None]
    if present:
        summary = (
            f"Weekly averages from {present[0]:g} at first to {present[-1]:g} most recently, of 10."
        )
    else:
        summary = "No answers in these weeks."
    return line_chart(
        title=title,
        summary=summary,
        labels=_labels(trends),
        values=values,
        top=10,
        texts=[_average_text(value) for value in values],
        ticks=_scale_ticks(),
    )


def held_chart(trends: Trends) -> Chart:
    values = [row.held_to_date for row in trends.week_rows]
    top = max(max(values, default=0), 1)
    return line_chart(
        title="Days you held your bottom lines, counted up",
        summary=(
            f"{trends.held_total} days in all; {trends.held_in_window} of them in these weeks. "
            "The count only ever goes up."
        ),
        labels=_labels(trends),
        values=values,
        top=top,
        texts=[f"{value} days by the end of the week" for value in values],
        ticks=[(0, "0"), (top, str(top))],
    )


def parts_chart(trends: Trends) -> Chart:
    top = max((part.count for part in trends.parts), default=0) or 1
    loudest = [part for part in trends.parts if part.count]
    summary = (
        "Loudest most often: " + ", ".join(f"{p.label} {p.count}" for p in loudest) + "."
        if loudest
        else "No part named in these weeks."
    )
    return bars_chart(
        title="Which part was loudest",
        summary=summary,
        rows=[
            (part.label, [Bar(part.count, f"{part.count} day{'' if part.count == 1 else 's'}")])
            for part in trends.parts
        ],
        top=top,
    )


def suds_chart(trends: Trends) -> Chart:
    return bars_chart(
        title="SUDS before and after each practice",
        summary="; ".join(
            f"{p.label}: {p.before:g} before, {p.after:g} after, on average ({p.count} times)"
            for p in trends.practices
        )
        or "No practices logged in these weeks.",
        rows=[
            (
                p.label,
                [
                    Bar(p.before, f"before {p.before:g}", "before"),
                    Bar(p.after, f"after {p.after:g}", "after"),
                ],
            )
            for p in trends.practices
        ],
        top=10,
    )


def trends_charts(trends: Trends) -> dict[str, Chart]:
    """Every chart of the trends, by name (no query)."""
    return {
        "rate": rate_chart(trends),
        "mood": scale_chart(trends, field="mood", title="Mood, weekly average"),
        "urge": scale_chart(trends, field="urge", title="Urge intensity, weekly average"),
        "held": held_chart(trends),
        "parts": parts_chart(trends),
        "suds": suds_chart(trends),
    }
