"""URL converters shared by every app."""

from datetime import date


class RowId:
    """A database row id in a URL: 1 to 18 digits, so it always fits a 64-bit key column.

    Django's `int` converter takes any number of digits, and a larger number reaches the
    database, where SQLite cannot bind it at all (a 500) and PostgreSQL compares it as numeric.
    Out of range is simply not a page: 404, like a missing row.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class IsoDate:
    """A calendar day in a URL as YYYY-MM-DD. An impossible date (2026-02-30) is not a page:
    404, like a missing row."""

    regex = "[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError: Django tries the next pattern, then 404

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)
