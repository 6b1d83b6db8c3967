"""The record page's hand-written reads (docs/decisions/0007-hand-written-hot-reads.md).

The record's header, progress and pacing sections share the enrollment's history: its releases
(with each module's week), lesson progress, open holds and submitted worksheets. Through the
ORM that is four queries whose compiling costs more Python than PostgreSQL spends answering
them, on a page that must stay within twice the cost of an empty one (`bench/care.py`). So it
is one statement here, with bound values and table names from the models, its datetimes passed
through the ORM's own converters (SQLite gives text, PostgreSQL datetimes). The SUDS section's
ratings are a second statement, for the same reason. Each has an ORM twin in
tests/care/test_record_queries.py that must return the same thing on SQLite and PostgreSQL."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from django.db import connection

from accounts.models import User
from care.models import ProgressNote
from courses.models import (
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Module,
    ModuleRelease,
    PacingAction,
    PacingKind,
    Track,
    WorksheetFeedback,
    WorksheetResponse,
    WorksheetReview,
)
from courses.queries import _columns, _fetch, _t


@dataclass(frozen=True)
class ProgressReads:
    """An enrollment's history as the record's header, progress and pacing sections use it:
    releases (module id -> released at, content note seen at, the module's week), lesson
    progress rows (lesson id, started, completed, deferred), the weeks held (holds not lifted)
    and submitted worksheet versions (lesson id, submitted at)."""

    releases: dict[int, tuple[datetime, datetime | None, int]]
    progress: list[tuple[int, datetime | None, datetime | None, datetime | None]]
    held: set[int]
    submitted: list[tuple[int, datetime | None]]

    @property
    def weeks_open(self) -> int:
        """How many weeks are open (one release per module and enrollment)."""
        return len(self.releases)

    @property
    def current_week(self) -> int | None:
        """The newest week open to the client, by its number."""
        return max((week for _, _, week in self.releases.values()), default=None)


# The row kinds of progress_reads' one statement.
_RELEASE, _LESSON, _HOLD, _SUBMITTED = 1, 2, 3, 4


@cache
def _sql(vendor: str) -> str:
    q = connection.ops.quote_name
    release, module = q(ModuleRelease._meta.db_table), q(Module._meta.db_table)
    progress, hold = q(LessonProgress._meta.db_table), q(PacingAction._meta.db_table)
    response = q(WorksheetResponse._meta.db_table)
    return (
        f"SELECT {_RELEASE}, r.module_id, m.week, r.released_at, r.content_note_seen_at, NULL "  # noqa: S608 - names from the models, values bound
        f"FROM {release} r JOIN {module} m ON m.id = r.module_id WHERE r.enrollment_id = %s "
        f"UNION ALL SELECT {_LESSON}, lesson_id, NULL, started_at, completed_at, deferred_at "
        f"FROM {progress} WHERE enrollment_id = %s "
        f"UNION ALL SELECT {_HOLD}, module_id, NULL, NULL, NULL, NULL FROM {hold} "
        "WHERE enrollment_id = %s AND kind = %s AND lifted_at IS NULL AND module_id IS NOT NULL "
        f"UNION ALL SELECT {_SUBMITTED}, lesson_id, NULL, submitted_at, NULL, NULL "
        f"FROM {response} WHERE enrollment_id = %s AND status = %s"
    )


@cache
def _datetime(vendor: str) -> tuple[list[Any], Any]:
    """The ORM's converters for a datetime column (all four tables' are DateTimeFields)."""
    col = ModuleRelease._meta.get_field("released_at").get_col(ModuleRelease._meta.db_table)
    return connection.ops.get_db_converters(col) + col.get_db_converters(connection), col


def progress_reads(*, enrollment_id: int) -> ProgressReads:
    """The enrollment's releases, lesson progress, open holds and submitted worksheets (1
    query, whatever the length of its history)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(connection.vendor),
            [
                enrollment_id,
                enrollment_id,
                enrollment_id,
                PacingKind.HOLD.value,
                enrollment_id,
                WorksheetResponse.Status.SUBMITTED.value,
            ],
        )
        rows = cursor.fetchall()
    converters, col = _datetime(connection.vendor)

    def when(value: Any) -> datetime | None:
        for converter in converters:
            value = converter(value, col, connection)
        return value

    releases: dict[int, tuple[datetime, datetime | None, int]] = {}
    progress = []
    held = set()
    submitted = []
    for kind, pk, week, first, second, third in rows:
        if kind == _RELEASE:
            # A release always has its instant (the column is NOT NULL).
            releases[pk] = (cast(datetime, when(first)), when(second), week)
        elif kind == _LESSON:
            progress.append((pk, when(first), when(second), when(third)))
        elif kind == _HOLD:
            held.add(pk)
        else:
            submitted.append((pk, when(first)))
    return ProgressReads(releases=releases, progress=progress, held=held, submitted=submitted)


@dataclass(frozen=True)
class SudsRow:
    """A lesson's SUDS ratings: its title and week, when it was started and completed, and the
    ratings before and after (one of them at least)."""

    title: str
    week: int
    started_at: datetime | None
    completed_at: datetime | None
    before: int | None
    after: int | None


@cache
def _suds_sql(vendor: str) -> str:
    q = connection.ops.quote_name
    progress, lesson = q(LessonProgress._meta.db_table), q(Lesson._meta.db_table)
    module = q(Module._meta.db_table)
    return (
        "SELECT l.title, m.week, p.started_at, p.completed_at, p.suds_before, p.suds_after "  # noqa: S608 - names from the models, values bound
        f"FROM {progress} p JOIN {lesson} l ON l.id = p.lesson_id "
        f"JOIN {module} m ON m.id = l.module_id "
        "WHERE p.enrollment_id = %s AND l.suds = %s "
        "AND (p.suds_before IS NOT NULL OR p.suds_after IS NOT NULL) "
        "ORDER BY p.completed_at IS NULL, p.completed_at, p.started_at IS NULL, p.started_at, p.id"
    )


def suds_rows(*, enrollment_id: int) -> list[SudsRow]:
    """The enrollment's lessons that ask for SUDS and have a rating, in the order they were
    done; one not done yet comes last, by when it was started (1 query)."""
    with connection.cursor() as cursor:
        cursor.execute(_suds_sql(connection.vendor), [enrollment_id, True])
        rows = cursor.fetchall()
    converters, col = _datetime(connection.vendor)

    def when(value: Any) -> datetime | None:
        for converter in converters:
            value = converter(value, col, connection)
        return value

    return [
        SudsRow(title, week, when(started), when(completed), before, after)
        for title, week, started, completed, before, after in rows
    ]


def pacing_history(*, enrollment_id: int) -> list[PacingAction]:
    """The enrollment's pacing actions, newest first, each with its author (None for a hold
    E-Hab placed itself) and week (None for an action on the whole schedule) attached (1 query)."""
    vendor = connection.vendor
    found = _fetch(
        f"SELECT {_columns(PacingAction, 'a', vendor)}, {_columns(User, 'u', vendor)}, "  # noqa: S608 - names from the models, values bound
        f"{_columns(Module, 'm', vendor)} FROM {_t(PacingAction)} a "
        f"LEFT JOIN {_t(User)} u ON u.id = a.author_id "
        f"LEFT JOIN {_t(Module)} m ON m.id = a.module_id "
        "WHERE a.enrollment_id = %s ORDER BY a.created_at DESC, a.id DESC",
        [enrollment_id],
        PacingAction,
        User,
        Module,
    )
    actions = []
    for action, author, module in found:
        action.author, action.module = author, module
        actions.append(action)
    return actions


def visible_notes(*, client_id: int, viewer_id: int) -> list[ProgressNote]:
    """The notes about the client that the viewer may read (every signed note, and the viewer's
    own drafts: the twin of care.selectors.record_notes.notes_visible_to), newest first by
    their date, each with its author and the note it amends attached (1 query)."""
    vendor = connection.vendor
    found = _fetch(
        f"SELECT {_columns(ProgressNote, 'n', vendor)}, {_columns(User, 'u', vendor)}, "  # noqa: S608 - names from the models, values bound
        f"{_columns(ProgressNote, 'a', vendor)} FROM {_t(ProgressNote)} n "
        f"JOIN {_t(User)} u ON u.id = n.author_id "
        f"LEFT JOIN {_t(ProgressNote)} a ON a.id = n.amends_id "
        "WHERE n.client_id = %s AND (n.status = %s OR n.author_id = %s) "
        "ORDER BY n.note_date DESC, n.created_at DESC, n.id DESC",
        [client_id, ProgressNote.Status.SIGNED.value, viewer_id],
        ProgressNote,
        User,
        ProgressNote,
    )
    notes = []
    for note, author, amends in found:
        note.author, note.amends = author, amends
        notes.append(note)
    return notes


# The lesson's Markdown and its HTML are not needed to show answers: never read here.
_LESSON_TEXT = ("body", "body_html")


def submitted_worksheets(*, client_id: int) -> list[WorksheetResponse]:
    """Every submitted version of the client's worksheets (never a draft), across their
    enrollments, by enrollment, lesson and version, each with its lesson (without its text) and
    week attached, `reviewed` (whether anyone has reviewed it) and `replies` (its care team's
    replies, oldest first, each with its author): 2 queries, however many versions (or none)."""
    vendor = connection.vendor
    submitted = WorksheetResponse.Status.SUBMITTED.value
    found = _fetch(
        f"SELECT EXISTS (SELECT 1 FROM {_t(WorksheetReview)} v WHERE v.response_id = r.id), "  # noqa: S608 - names from the models, values bound
        f"{_columns(WorksheetResponse, 'r', vendor)}, "
        f"{_columns(Lesson, 'l', vendor, _LESSON_TEXT)}, {_columns(Module, 'm', vendor)} "
        f"FROM {_t(WorksheetResponse)} r JOIN {_t(Enrollment)} e ON e.id = r.enrollment_id "
        f"JOIN {_t(Lesson)} l ON l.id = r.lesson_id JOIN {_t(Module)} m ON m.id = l.module_id "
        "WHERE e.client_id = %s AND r.status = %s "
        "ORDER BY r.enrollment_id, r.lesson_id, r.version",
        [client_id, submitted],
        WorksheetResponse,
        (Lesson, _LESSON_TEXT),
        Module,
        lead=1,
    )
    responses: list[Any] = []
    for reviewed, response, lesson, module in found:
        lesson.module = module
        response.lesson = lesson
        response.reviewed = bool(reviewed)
        response.replies = []
        responses.append(response)
    # The replies are read even when there is no version, so that the record makes the same
    # number of queries for every client.
    by_id = {response.pk: response for response in responses}
    replies = _fetch(
        f"SELECT {_columns(WorksheetFeedback, 'f', vendor)}, {_columns(User, 'u', vendor)} "  # noqa: S608 - names from the models, values bound
        f"FROM {_t(WorksheetFeedback)} f JOIN {_t(User)} u ON u.id = f.author_id "
        f"JOIN {_t(WorksheetResponse)} r ON r.id = f.response_id "
        f"JOIN {_t(Enrollment)} e ON e.id = r.enrollment_id "
        "WHERE e.client_id = %s AND r.status = %s ORDER BY f.created_at, f.id",
        [client_id, submitted],
        WorksheetFeedback,
        User,
    )
    for reply, author in replies:
        reply.author = author
        by_id[reply.response_id].replies.append(reply)
    return responses


# The enrollment a record is about: a current one (active or paused) before a finished one
# (completed or withdrawn), the newest of its kind first.
_CURRENT = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.PAUSED.value)
_FINISHED = (EnrollmentStatus.COMPLETED.value, EnrollmentStatus.WITHDRAWN.value)


def record_enrollment(*, client: User) -> Enrollment | None:
    """The client's current enrollment (active or paused), else their most recently started
    finished one (completed or withdrawn), else None; its track and cohort attached and its
    `client` set to `client` (1 query, whichever it is)."""
    vendor = connection.vendor
    found = _fetch(
        f"SELECT {_columns(Enrollment, 'e', vendor)}, {_columns(Track, 't', vendor)}, "  # noqa: S608 - names from the models, values bound
        f"{_columns(Cohort, 'c', vendor)} FROM {_t(Enrollment)} e "
        f"JOIN {_t(Track)} t ON t.id = e.track_id LEFT JOIN {_t(Cohort)} c ON c.id = e.cohort_id "
        "WHERE e.client_id = %s AND e.status IN (%s, %s, %s, %s) "
        "ORDER BY CASE WHEN e.status IN (%s, %s) THEN 0 ELSE 1 END, e.created_at DESC, e.id DESC "
        "LIMIT 1",
        [client.pk, *_CURRENT, *_FINISHED, *_CURRENT],
        Enrollment,
        Track,
        Cohort,
    )
    if not found:
        return None
    enrollment, track, cohort = found[0]
    enrollment.track, enrollment.cohort, enrollment.client = track, cohort, client
    return enrollment
