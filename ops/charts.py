"""The reports' charts: horizontal bars drawn on the server with daily/charts.py's primitives (the
house way: no script, every value escaped, each bar's value written beside it). A suppressed
figure draws no bar and says "fewer than 5"; the page puts the same figures in a table."""

from daily.charts import Bar, Chart, bars_chart

from .selectors.reports import Table

# The bar styles daily/charts.py draws (ehab.css): one per column, up to three.
STYLES = ("count", "after", "before")
CHARTED = {
    "funnel": "Per week, how many clients opened it, started a lesson and finished it.",
    "activity": "Current clients, active and inactive.",
    "months": "Enrollments and withdrawals per month.",
    "messages": "Messages sent, failed and waiting, by channel.",
}


def table_chart(table: Table) -> Chart | None:
    """Bars for a table of counts (None for the tables shown only as tables)."""
    if table.key not in CHARTED or not table.rows:
        return None
    columns = table.columns[1:]
    if table.key == "activity":
        columns = columns[:2]  # the total is in the table
    shown = [
        cell.value
        for _label, cells in table.rows
        for cell in cells[: len(columns)]
        if isinstance(cell.value, int)
    ]
    top = max([*shown, 1])
    rows = [
        (
            label,
            [
                Bar(
                    value=cell.value if isinstance(cell.value, int) else 0,
                    text=f"{column}: {cell.text}",
                    kind=STYLES[i % len(STYLES)],
                )
                for i, (column, cell) in enumerate(zip(columns, cells, strict=False))
            ],
        )
        for label, cells in table.rows
    ]
    return bars_chart(
        title=table.title,
        summary=CHARTED[table.key] + " The table below gives the same figures.",
        rows=rows,
        top=top,
        chart_id=f"report-{table.key}",
    )
