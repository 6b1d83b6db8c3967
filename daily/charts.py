"""The trends' charts as small SVGs drawn on the server, the house way (measures/charts.py): no
script, no chart library, the CSP stays strict, every value escaped. Each chart carries its
figures as text too (a <title> on each mark, a value label beside each bar), so no meaning rests
on colour alone; the page always puts the same figures in a table beside it.

Marks are written with f-strings and html.escape (not format_html, whose per-call cost was most
of the page's: bench/daily.py); every value that is not a number passes through `_e`.

Three shapes: columns (a rate per week), a line (an average per week, with gaps where there
was nothing to average, or a count going up), and horizontal bars (a count per part, SUDS before
and after per practice)."""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

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


def _e(value: object) -> str:
    return escape(str(value))


@dataclass(frozen=True)
class Chart:
    """What the template draws: the viewBox, the marks (escaped) and a one-sentence summary
    for the <desc>; `svg` is the whole element, its ids under `chart_id`."""

    title: str
    summary: str
    width: int
    height: int
    body: SafeString
    chart_id: str = "chart"

    @property
    def svg(self) -> SafeString:
        cid = _e(self.chart_id)
        return mark_safe(  # noqa: S308 - every value is escaped (_e) or a number
            f'<div class="chart__scroll"><svg class="chart__svg" role="img" '
            f'aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" '
            f'viewBox="0 0 {self.width} {self.height}" width="{self.width}" '
            f'height="{self.height}"><title id="{cid}-title">{_e(self.title)}</title>'
            f'<desc id="{cid}-desc">{_e(self.summary)}</desc>{self.body}</svg></div>'
        )


def _y(value: float, top: float) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / top) if top else TOP + PLOT_HEIGHT


def _x(index: int) -> float:
    return LEFT + STEP * (index + 0.5)


def _axis(ticks: Sequence[tuple[float, str]], top: float, right: float) -> str:
    """Quiet grid lines with their labels at the left."""
    marks = []
    for value, text in ticks:
        y = f"{_y(value, top):.1f}"
        marks.append(
            f'<line class="chart__grid" x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}"/>'
            f'<text class="chart__label" x="{LEFT - 5}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{_e(text)}</text>'
        )
    return "".join(marks)


def _x_labels(labels: Sequence[str]) -> str:
    base = TOP + PLOT_HEIGHT + 18
    return "".join(
        f'<text class="chart__label" x="{_x(i):.1f}" y="{base}" text-anchor="middle">'
        f"{_e(label)}</text>"
        for i, label in enumerate(labels)
    )


def columns_chart(
    *, title: str, summary: str, labels: Sequence[str], values: Sequence[float],
    top: float, texts: Sequence[str], ticks: Sequence[tuple[float, str]], chart_id: str = "chart",
) -> Chart:  # fmt: skip
    """A column per label, `values` on a 0..`top` scale; `texts` name each column's value."""
    right = LEFT + STEP * len(labels)
    floor = TOP + PLOT_HEIGHT
    columns = "".join(
        f'<rect class="chart__column" x="{_x(i) - STEP * 0.3:.1f}" y="{_y(value, top):.1f}" '
        f'width="{STEP * 0.6:.1f}" height="{floor - _y(value, top):.1f}">'
        f"<title>{_e(label)}: {_e(text)}</title></rect>"
        for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True))
    )
    return Chart(
        title=title,
        summary=summary,
        width=right + RIGHT_PAD,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        body=mark_safe(_axis(ticks, top, right) + columns + _x_labels(labels)),  # noqa: S308 - escaped above
        chart_id=chart_id,
    )


def line_chart(
    *, title: str, summary: str, labels: Sequence[str], values: Sequence[float | None],
    top: float, texts: Sequence[str], ticks: Sequence[tuple[float, str]], chart_id: str = "chart",
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
    lines = "".join(
        '<polyline class="chart__line" fill="none" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        + '"/>'
        for run in runs
        if len(run) > 1
    )
    markers = "".join(
        f'<circle class="chart__point" cx="{_x(i):.1f}" cy="{_y(value, top):.1f}" r="4">'
        f"<title>{_e(label)}: {_e(text)}</title></circle>"
        for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True))
        if value is not None
    )
    return Chart(
        title=title,
        summary=summary,
        width=right + RIGHT_PAD,
        height=TOP + PLOT_HEIGHT + BOTTOM,
        body=mark_safe(_axis(ticks, top, right) + lines + markers + _x_labels(labels)),  # noqa: S308 - escaped above
        chart_id=chart_id,
    )


@dataclass(frozen=True)
class Bar:
    value: float
    text: str  # the value in words, written at the bar's end
    kind: str = "count"  # the bar's style: count, before, after


def bars_chart(
    *, title: str, summary: str, rows: Sequence[tuple[str, Sequence[Bar]]], top: float,
    chart_id: str = "chart",
) -> Chart:  # fmt: skip
    """Horizontal bars: a group per row (its label at the left), one bar per value on a
    0..`top` scale, each with its value written at its end."""
    marks = []
    y = TOP
    for label, bars in rows:
        group = len(bars) * BAR_HEIGHT + (len(bars) - 1) * 3
        marks.append(
            f'<text class="chart__label chart__label--row" x="4" y="{y + group / 2:.1f}" '
            f'dominant-baseline="middle">{_e(label)}</text>'
        )
        for bar in bars:
            length = max(BAR_WIDTH * bar.value / top if top else 0, 1)
            marks.append(
                f'<rect class="chart__bar chart__bar--{_e(bar.kind)}" x="{BAR_LABEL}" y="{y}" '
                f'width="{length:.1f}" height="{BAR_HEIGHT}"><title>{_e(label)}: '
                f"{_e(bar.text)}</title></rect>"
                f'<text class="chart__label" x="{BAR_LABEL + length + 4:.1f}" '
                f'y="{y + BAR_HEIGHT / 2:.1f}" dominant-baseline="middle">{_e(bar.text)}</text>'
            )
            y += BAR_HEIGHT + 3
        y += ROW_GAP - 3
    return Chart(
        title=title,
        summary=summary,
        width=BAR_LABEL + BAR_WIDTH + 90,
        height=max(y, TOP + BAR_HEIGHT) + TOP - ROW_GAP + 6,
        body=mark_safe("".join(marks)),  # noqa: S308 - escaped above
        chart_id=chart_id,
    )


# --- The trends' charts -------------------------------------------------------------------------


def _week_label(trends: Trends, index: int) -> str:
    return f"{trends.week_rows[index].first:%b} {trends.week_rows[index].first.day}"


def _labels(trends: Trends) -> list[str]:
    return [_week_label(trends, i) for i in range(len(trends.week_rows))]


def _scale_ticks() -> list[tuple[float, str]]:
    return [(0, "0"), (5, "5"), (10, "10")]


def rate_chart(trends: Trends, prefix: str = "trends") -> Chart:
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
        chart_id=f"{prefix}-rate",
    )


def _average_text(value: float | None) -> str:
    return "no answers" if value is None else f"{value:g} of 10"


def scale_chart(trends: Trends, *, field: str, title: str, prefix: str = "trends") -> Chart:
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
        chart_id=f"{prefix}-{field}",
    )


def held_chart(trends: Trends, prefix: str = "trends") -> Chart:
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
        chart_id=f"{prefix}-held",
    )


def parts_chart(trends: Trends, prefix: str = "trends") -> Chart:
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
        chart_id=f"{prefix}-parts",
    )


def suds_chart(trends: Trends, prefix: str = "trends") -> Chart:
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
        chart_id=f"{prefix}-suds",
    )


def trends_charts(trends: Trends, *, prefix: str = "trends") -> dict[str, Chart]:
    """Every chart of the trends, by name, their element ids starting with `prefix` (no
    query)."""
    return {
        "rate": rate_chart(trends, prefix),
        "mood": scale_chart(trends, field="mood", title="Mood, weekly average", prefix=prefix),
        "urge": scale_chart(
            trends, field="urge", title="Urge intensity, weekly average", prefix=prefix
        ),
        "held": held_chart(trends, prefix),
        "parts": parts_chart(trends, prefix),
        "suds": suds_chart(trends, prefix),
    }


# --- The tables beside them ---------------------------------------------------------------------


def _number(value: float | None) -> str:
    return '<span class="muted">None</span>' if value is None else f"{value:g}"


def trends_tables(trends: Trends) -> dict[str, SafeString]:
    """The rows (<tr>s) of the tables that give the charts' figures in words: each week (newest
    first), each part, each practice. Written once here rather than cell by cell in the
    template (most of the page's cost: bench/daily.py); every text is escaped (no query)."""
    weeks = "".join(
        f'<tr><th scope="row">{w.first:%b} {w.first.day} to {w.last:%b} {w.last.day}</th>'
        f"<td>{w.reviewed} of 7</td><td>{_number(w.mood)}</td><td>{_number(w.urge)}</td>"
        f"<td>{w.held_to_date}</td></tr>"
        for w in trends.newest_first
    )
    parts = "".join(
        f'<tr><th scope="row">{_e(p.label)}</th><td>{p.count}</td></tr>' for p in trends.parts
    )
    practices = "".join(
        f'<tr><th scope="row">{_e(p.label)}</th><td>{p.count}</td><td>{p.before:g}</td>'
        f"<td>{p.after:g}</td><td>{p.change:g}</td></tr>"
        for p in trends.practices
    )
    return {
        "weeks": mark_safe(weeks),  # noqa: S308 - numbers, dates and escaped labels
        "parts": mark_safe(parts),  # noqa: S308 - numbers and escaped labels
        "suds": mark_safe(practices),  # noqa: S308 - numbers and escaped labels
    }
