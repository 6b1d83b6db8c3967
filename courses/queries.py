"""The hand-written reads behind the pages every client opens every day, and nothing else.

Compiling an ORM query costs more Python than PostgreSQL spends answering it, and on the four
daily client pages that decides whether they stay within twice the cost of an empty page
(`bench/course.py`; the figures are in docs/decisions/0006-hand-written-hot-reads.md). So these
few reads are written in SQL once, each a whole statement with bound values (no SQL passes in or
out), each returning typed results built into model instances by the ORM's own converters, so
SQLite and PostgreSQL hand back exactly what the ORM would. Each has an ORM twin in
tests/courses/test_queries.py that must return the same thing: a schema change that the SQL
misses fails there. Everything else stays on the ORM.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model

from accounts.models import User

from .models import (
    LIVE_STATUSES,
    Cohort,
    Enrollment,
    Lesson,
    LessonProgress,
    ModuleRelease,
    PacingAction,
    PacingKind,
    Track,
    WorksheetResponse,
)

# --- The machinery: names and columns from the models, rows through the ORM's converters ------


@cache
def _table(model: type[Model], vendor: str) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# A model with the fields left out of a read (deferred, as .defer() leaves them).
Shape = type[Model] | tuple[type[Model], tuple[str, ...]]


def _split(shape: Shape) -> tuple[type[Model], tuple[str, ...]]:
    return shape if isinstance(shape, tuple) else (shape, ())


@cache
def _columns(model: type[Model], alias: str, vendor: str, skip: tuple[str, ...] = ()) -> str:
    """The concrete columns of `model` under table alias `alias`, in field order, but those of
    the fields named in `skip`."""
    q = connection.ops.quote_name
    return ", ".join(
        f"{alias}.{q(field.column)}"
        for field in model._meta.concrete_fields
        if field.name not in skip
    )


def _t(model: type[Model]) -> str:
    """The model's quoted table name."""
    return _table(model, connection.vendor)


def _c(model: type[Model], alias: str) -> str:
    """Every concrete column of `model` under table alias `alias`, in field order."""
    return _columns(model, alias, connection.vendor)


@cache
def _readers(
    model: type[Model], vendor: str, skip: tuple[str, ...] = ()
) -> tuple[list[str], int, list[tuple[list[Any], Any]]]:
    """(attnames, the primary key's position, [(converters, column)] per field) for turning part
    of a row into `model` (without the fields named in `skip`), as the ORM's compiler would."""
    fields = [f for f in model._meta.concrete_fields if f.name not in skip]
    readers = []
    for field in fields:
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        readers.append((converters, col))
    return [field.attname for field in fields], fields.index(model._meta.pk), readers


def _fetch(sql: str, params: list, *shapes: Shape, lead: int = 0) -> list[tuple]:
    """Run `sql` and split each row into its first `lead` values as they come, then one instance
    per model, in order (each model took its `_columns` in turn; fields it skips are deferred).
    A model whose primary key is NULL (an outer join that found nothing) comes back as None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    readers = []
    for shape in shapes:
        model, skip = _split(shape)
        readers.append((model, *_readers(model, connection.vendor, skip)))
    result = []
    for row in rows:
        start, instances = lead, list[Any](row[:lead])
        for model, attnames, pk_at, fields in readers:
            values = list(row[start : start + len(attnames)])
            start += len(attnames)
            if values[pk_at] is None:
                instances.append(None)
                continue
            for i, (converters, col) in enumerate(fields):
                for converter in converters:
                    values[i] = converter(values[i], col, connection)
            instances.append(model.from_db(connection.alias, attnames, values))
        if start != len(row):
            raise ValueError(f"The query returned {len(row)} columns; the models take {start}.")
        result.append(tuple(instances))
    return result


def _in(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def among(values: list[int]) -> tuple[str, list]:
    """A condition that a column is among `values`, and its parameters: one array on PostgreSQL
    (so that psycopg caches the statement's parsing, which it does not past 50 parameters, and
    the server prepares one statement for every caseload size), a list elsewhere."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(values)]
    return f"IN ({_in(values)})", list(values)


# --- The reads ----------------------------------------------------------------------------------


def live_enrollments(*, client: User) -> list[Enrollment]:
    """The client's live enrollments, newest first, each with its track and cohort attached and
    `client` set to the person given (1 query)."""
    found = _fetch(
        f"SELECT {_c(Enrollment, 'e')}, {_c(Track, 't')}, {_c(Cohort, 'c')} "  # noqa: S608 - names from the models, values bound
        f"FROM {_t(Enrollment)} e JOIN {_t(Track)} t ON t.id = e.track_id "
        f"LEFT JOIN {_t(Cohort)} c ON c.id = e.cohort_id "
        f"WHERE e.client_id = %s AND e.status IN ({_in(LIVE_STATUSES)}) "
        "ORDER BY e.created_at DESC, e.id DESC",
        [client.pk, *LIVE_STATUSES],
        Enrollment,
        Track,
        Cohort,
    )
    enrollments = []
    for enrollment, track, cohort in found:
        enrollment.track, enrollment.cohort, enrollment.client = track, cohort, client
        enrollments.append(enrollment)
    return enrollments


@dataclass(frozen=True)
class ReleasedAndDone:
    module_ids: frozenset[int]  # weeks released to the enrollment
    lesson_ids: frozenset[int]  # lessons it has completed
    held_module_ids: frozenset[int]  # weeks a clinician holds (holds not lifted)


# The row kinds of released_and_done's one statement.
_RELEASED, _DONE, _HELD = 1, 0, 2


def released_and_done(*, enrollment_id: int) -> ReleasedAndDone:
    """The enrollment's released module ids, completed lesson ids and held module ids (1
    query: the client's pages say which weeks wait on a hold instead of promising a date)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT module_id, {_RELEASED} FROM {_t(ModuleRelease)} WHERE enrollment_id = %s "  # noqa: S608 - names from the models, values bound
            f"UNION ALL SELECT lesson_id, {_DONE} FROM {_t(LessonProgress)} "
            "WHERE enrollment_id = %s AND completed_at IS NOT NULL "
            f"UNION ALL SELECT module_id, {_HELD} FROM {_t(PacingAction)} "
            "WHERE enrollment_id = %s AND kind = %s AND lifted_at IS NULL "
            "AND module_id IS NOT NULL",
            [enrollment_id, enrollment_id, enrollment_id, PacingKind.HOLD.value],
        )
        rows = cursor.fetchall()
    return ReleasedAndDone(
        module_ids=frozenset(pk for pk, kind in rows if kind == _RELEASED),
        lesson_ids=frozenset(pk for pk, kind in rows if kind == _DONE),
        held_module_ids=frozenset(pk for pk, kind in rows if kind == _HELD),
    )


@dataclass(frozen=True)
class OpenRelease:
    """The release through which a client opens a week, with its enrollment (client set) and the
    enrollment's track attached."""

    release: ModuleRelease
    track: Track


def _open_release(user: User, found: list[tuple]) -> OpenRelease | None:
    if not found:
        return None
    release, enrollment, track = found[0]
    enrollment.track, enrollment.client = track, user
    release.enrollment = enrollment
    return OpenRelease(release=release, track=track)


def open_release_of_module(*, user: User, module_id: int) -> OpenRelease | None:
    """The newest of the user's enrollments holding a release of week `module_id` (1 query)."""
    found = _fetch(
        f"SELECT {_c(ModuleRelease, 'r')}, {_c(Enrollment, 'e')}, {_c(Track, 't')} "  # noqa: S608 - names from the models, values bound
        f"FROM {_t(ModuleRelease)} r JOIN {_t(Enrollment)} e ON e.id = r.enrollment_id "
        f"JOIN {_t(Track)} t ON t.id = e.track_id "
        "WHERE e.client_id = %s AND r.module_id = %s ORDER BY e.created_at DESC LIMIT 1",
        [user.pk, module_id],
        ModuleRelease,
        Enrollment,
        Track,
    )
    return _open_release(user, found)


def open_release_of_lesson(*, user: User, lesson_id: int) -> OpenRelease | None:
    """The newest of the user's enrollments holding a release of the week of the live lesson
    `lesson_id` (1 query)."""
    found = _fetch(
        f"SELECT {_c(ModuleRelease, 'r')}, {_c(Enrollment, 'e')}, {_c(Track, 't')} "  # noqa: S608 - names from the models, values bound
        f"FROM {_t(ModuleRelease)} r JOIN {_t(Enrollment)} e ON e.id = r.enrollment_id "
        f"JOIN {_t(Track)} t ON t.id = e.track_id "
        f"JOIN {_t(Lesson)} l ON l.module_id = r.module_id "
        "WHERE e.client_id = %s AND l.id = %s AND l.retired_at IS NULL "
        "ORDER BY e.created_at DESC LIMIT 1",
        [user.pk, lesson_id],
        ModuleRelease,
        Enrollment,
        Track,
    )
    return _open_release(user, found)


def lesson_progress(*, enrollment_id: int, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    """The enrollment's progress rows for these lessons, by lesson id (1 query; none for no
    lessons)."""
    if not lesson_ids:
        return {}
    found = _fetch(
        f"SELECT {_c(LessonProgress, 'p')} FROM {_t(LessonProgress)} p "  # noqa: S608 - names from the models, values bound
        f"WHERE p.enrollment_id = %s AND p.lesson_id IN ({_in(lesson_ids)})",
        [enrollment_id, *lesson_ids],
        LessonProgress,
    )
    return {progress.lesson_id: progress for (progress,) in found}


@dataclass(frozen=True)
class LessonRows:
    progress: LessonProgress | None
    worksheets: list[WorksheetResponse]  # the draft and every submitted version, any order


def lesson_rows(*, enrollment_id: int, lesson_id: int) -> LessonRows:
    """The enrollment's progress on one lesson and all its worksheet rows (1 query)."""
    found = _fetch(
        f"SELECT {_c(LessonProgress, 'p')}, {_c(WorksheetResponse, 'w')} "  # noqa: S608 - names from the models, values bound
        f"FROM (SELECT 1 AS one) AS here "
        f"LEFT JOIN {_t(LessonProgress)} p ON p.enrollment_id = %s AND p.lesson_id = %s "
        f"LEFT JOIN {_t(WorksheetResponse)} w ON w.enrollment_id = %s AND w.lesson_id = %s",
        [enrollment_id, lesson_id, enrollment_id, lesson_id],
        LessonProgress,
        WorksheetResponse,
    )
    return LessonRows(progress=found[0][0], worksheets=[row for _, row in found if row is not None])
