"""Measures' one hand-written read, for the caseload (decision 0007's method): each client's
latest answer to each instrument, with the instrument's key, short title and content token, in
one statement with bound values. Through the ORM the same read cost the caseload more Python
than its SQL (bench/care.py). Its ORM twin is in tests/measures/test_queries.py and must return
the same rows on SQLite and PostgreSQL."""

from dataclasses import dataclass

from django.db import connection

from courses.queries import _t, among

from .models import Administration, Instrument


@dataclass(frozen=True)
class LatestAnswer:
    client_id: int
    instrument_id: int
    key: str
    short_title: str
    content_token: str  # the instrument's current one: which checked spec to read it with
    total: int
    reliable_change: str


def latest_answers(*, client_ids: list[int]) -> list[LatestAnswer]:
    """Each listed client's newest answer to each instrument they answered (1 query: a window
    function keeps the newest per client and instrument, by time then id)."""
    if not client_ids:
        return []
    ids, bound = among(client_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id, instrument_id, key, short_title, content_token, total, "  # noqa: S608 - names from the models, values bound
            "reliable_change FROM (SELECT a.client_id AS client_id, a.instrument_id AS "
            "instrument_id, i.key AS key, i.short_title AS short_title, i.content_token AS "
            "content_token, a.total AS total, a.reliable_change AS reliable_change, "
            "ROW_NUMBER() OVER (PARTITION BY a.client_id, a.instrument_id "
            "ORDER BY a.submitted_at DESC, a.id DESC) AS nth "
            f"FROM {_t(Administration)} a JOIN {_t(Instrument)} i ON i.id = a.instrument_id "
            f"WHERE a.client_id {ids}) ranked WHERE nth = 1 "
            "ORDER BY client_id, key",
            bound,
        )
        rows = cursor.fetchall()
    return [LatestAnswer(*row) for row in rows]
