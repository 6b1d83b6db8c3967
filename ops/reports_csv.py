"""A report's table as CSV: the same cells as the page (suppressed ones say "fewer than 5"),
and no cell a spreadsheet would run as a formula (one starting with = + - @, a tab or a carriage
return gets a leading quote)."""

import csv
import io

from .selectors.reports import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def table_csv(table: Table, *, group: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(f"{table.title}: {group}")])
    writer.writerow([safe_cell(c) for c in table.columns])
    for label, cells in table.rows:
        writer.writerow([safe_cell(label), *(safe_cell(cell.text) for cell in cells)])
    return out.getvalue()
