"""The caseload's one hand-written read (decision 0007's method, for the care team's daily page).

Compiling the caseload's per-client and per-enrollment figures through the ORM cost more Python
than the rest of the page, and its correlated subqueries found each enrollment's newest week
three times over (`bench/care.py`, 60 clients on ehab_bench). So the figures are one statement
with bound values (no SQL passes in or out), read into plain values (RowEnrollment) through
the ORM's own converters: building model instances for sixty rows cost more than the row. Its
ORM twin is in tests/care/test_queries.py and
must return the same thing on SQLite and PostgreSQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from accounts.models import User
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Module,
    ModuleRelease,
    PacingAction,
    PacingKind,
    Track,
    WorksheetResponse,
    WorksheetReview,
)
from courses.queries import _in, _t, among
from daily.models import Checkin, Lapse

CURRENT_STATUSES = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.PAUSED.value)
ROW_STATUSES = (*CURRENT_STATUSES, EnrollmentStatus.COMPLETED.value)

# The client-level moments, in the statement's order, each read as the model field it comes from.
MOMENTS = (
    ("last_started", LessonProgress, "started_at"),
    ("last_completed", LessonProgress, "completed_at"),
    ("last_deferred", LessonProgress, "deferred_at"),
    ("last_saved", WorksheetResponse, "updated_at"),
    ("last_submitted", WorksheetResponse, "submitted_at"),
)


@dataclass(frozen=True)
class RowEnrollment:
    """What a caseload row needs of its enrollment (the newest active or paused one, else the
    newest finished one): its id, status, when it was made, whether new weeks wait on billing,
    the track's length, the newest week released (None before the first), that week's completed
    and live lessons, and its open holds. Plain values: building sixty model instances cost more
    than the rest of the row."""

    id: int
    status: str
    created_at: datetime
    new_weeks_held_for_billing: bool
    weeks: int
    newest_week: int | None
    week_done: int
    week_total: int
    open_holds: int


@dataclass
class ClientFigures:
    """What the caseload needs of one client besides the assignment: submitted worksheet
    versions nobody reviewed, the newest moment of each kind of activity (None when none), and
    the row enrollment (None without one)."""

    to_review: int
    moments: dict[str, datetime | None]
    enrollment: RowEnrollment | None
    # Per window asked for (`windows`), in its order: the days with an evening check-in, and
    # the lapses recorded for a day in it.
    checkins: tuple[int, ...] = field(default_factory=tuple)
    lapses: tuple[int, ...] = field(default_factory=tuple)


MOMENT_NAMES = tuple(name for name, _, _ in MOMENTS)


@cache
def _readers_for(vendor: str) -> list[tuple[list[Any], Any]]:
    """The ORM's converters for the statement's datetime and flag columns: the five moments,
    then the row enrollment's id, status, created_at and billing flag (SQLite returns text and
    integers the ORM would convert)."""
    columns: list[tuple[type[Model], str]] = [(model, name) for _, model, name in MOMENTS]
    columns += [
        (Enrollment, "id"),
        (Enrollment, "status"),
        (Enrollment, "created_at"),
        (Enrollment, "new_weeks_held_for_billing"),
    ]
    readers = []
    for model, name in columns:
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        col = field.get_col(model._meta.db_table)
        readers.append(
            (connection.ops.get_db_converters(col) + col.get_db_converters(connection), col)
        )
    return readers


def _daily_counts(
    windows: Sequence[tuple[date, date]], ids: str, bound: list
) -> tuple[str, list, str]:
    """The statement's daily part for `windows` (each a first and last local day): two more
    CTEs counting, per client and window, the days with an evening check-in and the lapses;
    their parameters; and the columns the main SELECT adds (checkins then lapses, per window)."""
    if not windows:
        return "", [], ""
    earliest = min(first for first, _ in windows)
    checkin_sums = ", ".join(
        f"SUM(CASE WHEN day >= %s AND day <= %s AND evening_at IS NOT NULL THEN 1 ELSE 0 END) "
        f"AS k{i}"
        for i in range(len(windows))
    )
    lapse_sums = ", ".join(
        f"SUM(CASE WHEN day >= %s AND day <= %s THEN 1 ELSE 0 END) AS l{i}"
        for i in range(len(windows))
    )
    spans = [day for window in windows for day in window]
    sql = (
        f", kitchen AS (SELECT client_id, {checkin_sums} FROM {_t(Checkin)} "  # noqa: S608 - names from the models, values bound
        f"WHERE client_id {ids} AND day >= %s GROUP BY client_id), "
        f"lapsed AS (SELECT client_id, {lapse_sums} FROM {_t(Lapse)} "
        f"WHERE client_id {ids} AND day >= %s GROUP BY client_id) "
    )
    columns = "".join(f", COALESCE(k.k{i}, 0)" for i in range(len(windows))) + "".join(
        f", COALESCE(d.l{i}, 0)" for i in range(len(windows))
    )
    return sql, [*spans, *bound, earliest, *spans, *bound, earliest], columns


def caseload_figures(
    *, client_ids: list[int], windows: Sequence[tuple[date, date]] = ()
) -> dict[int, ClientFigures]:
    """Each listed client's figures (1 query, whatever the number of clients or their
    history), with their daily counts in each of `windows` (first and last local day). A client
    with no row enrollment still gets their activity and reviews."""
    if not client_ids:
        return {}
    ids, bound = among(client_ids)
    daily_sql, daily_params, daily_columns = _daily_counts(windows, ids, bound)
    daily_joins = (
        "LEFT JOIN kitchen k ON k.client_id = u.id LEFT JOIN lapsed d ON d.client_id = u.id "
        if windows
        else ""
    )
    enrollment, track = _t(Enrollment), _t(Track)
    progress, response = _t(LessonProgress), _t(WorksheetResponse)
    lesson, module = _t(Lesson), _t(Module)
    sql = (
        # The candidate enrollments, each with its newest released week found once (MATERIALIZED:
        # inlined, PostgreSQL would look the week up again in each count below).
        "WITH chosen AS MATERIALIZED (SELECT e.id, e.client_id, e.track_id, e.status, "  # noqa: S608 - names from the models, values bound
        "e.created_at, e.new_weeks_held_for_billing, "
        f"(SELECT MAX(m.week) FROM {_t(ModuleRelease)} r JOIN {module} m ON m.id = r.module_id "
        "WHERE r.enrollment_id = e.id) AS newest_week "
        f"FROM {enrollment} e WHERE e.client_id {ids} AND e.status IN ({_in(ROW_STATUSES)})), "
        # Activity on lessons, per client, over all their enrollments.
        "lessons_done AS (SELECT e.client_id, MAX(p.started_at) AS started, "
        "MAX(p.completed_at) AS completed, MAX(p.deferred_at) AS deferred "
        f"FROM {progress} p JOIN {enrollment} e ON e.id = p.enrollment_id "
        f"WHERE e.client_id {ids} GROUP BY e.client_id), "
        # Worksheet saves and submissions, and the submitted versions nobody reviewed.
        "sheets AS (SELECT e.client_id, MAX(w.updated_at) AS saved, "
        "MAX(w.submitted_at) AS submitted, "
        "SUM(CASE WHEN w.status = %s AND NOT EXISTS "
        f"(SELECT 1 FROM {_t(WorksheetReview)} v WHERE v.response_id = w.id) THEN 1 ELSE 0 END) "
        "AS unreviewed "
        f"FROM {response} w JOIN {enrollment} e ON e.id = w.enrollment_id "
        f"WHERE e.client_id {ids} GROUP BY e.client_id) "
        f"{daily_sql}"
        "SELECT u.id, COALESCE(s.unreviewed, 0), a.started, a.completed, a.deferred, "
        "s.saved, s.submitted, c.id, c.status, c.created_at, c.new_weeks_held_for_billing, "
        "t.weeks, c.newest_week, "
        # This week: completed lessons of the newest week's live lessons, and those lessons.
        f"(SELECT COUNT(*) FROM {progress} p WHERE p.enrollment_id = c.id "
        f"AND p.completed_at IS NOT NULL AND p.lesson_id IN (SELECT l.id FROM {lesson} l "
        f"JOIN {module} m ON m.id = l.module_id WHERE m.track_id = c.track_id "
        "AND m.week = c.newest_week AND m.retired_at IS NULL AND l.retired_at IS NULL)), "
        f"(SELECT COUNT(*) FROM {lesson} l JOIN {module} m ON m.id = l.module_id "
        "WHERE m.track_id = c.track_id AND m.week = c.newest_week AND m.retired_at IS NULL "
        "AND l.retired_at IS NULL), "
        f"(SELECT COUNT(*) FROM {_t(PacingAction)} h WHERE h.enrollment_id = c.id "
        "AND h.kind = %s AND h.lifted_at IS NULL)"
        f"{daily_columns} "
        f"FROM {_t(User)} u LEFT JOIN chosen c ON c.client_id = u.id "
        f"LEFT JOIN {track} t ON t.id = c.track_id "
        "LEFT JOIN lessons_done a ON a.client_id = u.id LEFT JOIN sheets s ON s.client_id = u.id "
        f"{daily_joins}"
        f"WHERE u.id {ids} "
        f"ORDER BY u.id, CASE WHEN c.status IN ({_in(CURRENT_STATUSES)}) THEN 1 ELSE 0 END DESC, "
        "c.created_at DESC, c.id DESC"
    )
    params: list[int | str | date | list[int]] = [
        *bound,
        *ROW_STATUSES,
        *bound,
        WorksheetResponse.Status.SUBMITTED.value,
        *bound,
        *daily_params,
        PacingKind.HOLD.value,
        *bound,
        *CURRENT_STATUSES,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    readers = _readers_for(connection.vendor)
    found: dict[int, ClientFigures] = {}
    for row in rows:
        client_id = row[0]
        if client_id in found:  # an older candidate: the first row is the row enrollment
            continue
        values = list(row[2:11])
        for i, (converters, col) in enumerate(readers):
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        moments = dict(zip(MOMENT_NAMES, values[:5], strict=True))
        chosen = None
        if row[7] is not None:
            enrollment_id, status, created_at, held = values[5:9]
            weeks, newest_week, week_done, week_total, open_holds = row[11:16]
            chosen = RowEnrollment(
                id=enrollment_id,
                status=status,
                created_at=created_at,
                new_weeks_held_for_billing=bool(held),
                weeks=weeks,
                newest_week=newest_week,
                week_done=int(week_done),
                week_total=int(week_total),
                open_holds=int(open_holds),
            )
        n = len(windows)
        found[client_id] = ClientFigures(
            to_review=int(row[1]),
            moments=moments,
            enrollment=chosen,
            checkins=tuple(int(value) for value in row[16 : 16 + n]),
            lapses=tuple(int(value) for value in row[16 + n : 16 + 2 * n]),
        )
    return found


def suds_readings(*, client_ids: list[int], window: int) -> dict[int, list[int]]:
    """Each listed client's newest `window` SUDS readings (a lesson's after-value, else its
    before-value), oldest first, newest by completion, else start, else "not today", then by id
    (1 query: a window function keeps at most `window` rows per client)."""
    if not client_ids:
        return {}
    ids, bound = among(client_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id, nth, reading FROM (SELECT e.client_id AS client_id, "  # noqa: S608 - names from the models, values bound
            "COALESCE(p.suds_after, p.suds_before) AS reading, ROW_NUMBER() OVER ("
            "PARTITION BY e.client_id ORDER BY "
            "COALESCE(p.completed_at, p.started_at, p.deferred_at) DESC NULLS LAST, p.id DESC"
            f") AS nth FROM {_t(LessonProgress)} p "
            f"JOIN {_t(Enrollment)} e ON e.id = p.enrollment_id "
            f"WHERE e.client_id {ids} "
            "AND (p.suds_after IS NOT NULL OR p.suds_before IS NOT NULL)) ranked "
            "WHERE nth <= %s",
            [*bound, window],
        )
        rows = cursor.fetchall()
    found: dict[int, list[tuple[int, int]]] = {}
    for client_id, nth, reading in rows:
        found.setdefault(client_id, []).append((nth, reading))
    return {
        client_id: [reading for _, reading in sorted(pairs, reverse=True)]
        for client_id, pairs in found.items()
    }
