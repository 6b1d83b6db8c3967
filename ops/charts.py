"""The reports' charts: horizontal bars drawn on the server with daily/charts.py's primitives (the
house way: no script, every value escaped, each bar's value written beside it). A suppressed
figure draws no bar and says "fewer than 5"; the page puts the same figures in a table."""

from decimal import Decimal

from daily.charts import Bar, Chart, bars_chart

from .selectors.reports import Table

# The columns drawn, when not all of them (the others are in the table).
DRAWN = {"activity": ["Active", "Inactive"], "hours": ["Average hours"]}
# The bar styles daily/charts.py draws (ehab.css): one per column, up to three.
STYLES = ("count", "after", "before")
CHARTED = {
    "funnel": "Per week, how many clients opened it, started a lesson and finished it.",
    "activity": "Current clients, active and inactive.",
    "hours": "Per week, the clients' average program hours.",
    "months": "Enrollments and withdrawals per month.",
    "messages": "Messages sent, failed and waiting, by channel.",
}


def table_chart(table: Table) -> Chart | None:
    """Bars for a table of counts or hours (None for the tables shown only as tables)."""
    if table.key not in CHARTED or not table.rows:
        return None
    columns = DRAWN.get(table.key, table.columns[1:])
    at = [table.columns.index(column) - 1 for column in columns]

    def value(cell) -> float:
        return float(cell.value) if isinstance(cell.value, int | Decimal) else 0.0

    top = max([*(value(cells[i]) for _label, cells in table.rows for i in at), 1.0])
    rows = [
        (
            label,
            [
                Bar(
                    value=value(cells[i]),
                    text=f"{column}: {cells[i].text}",
                    kind=STYLES[n % len(STYLES)],
                )
                for n, (column, i) in enumerate(zip(columns, at, strict=True))
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
