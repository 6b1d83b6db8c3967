"""Hand-written SQL gives back the same objects the ORM would, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, time

import pytest

from courses.models import Cohort, Enrollment, LessonProgress, Track, WorksheetResponse
from ehab import rawsql
from tests.factories import CohortFactory, EnrollmentFactory, LessonFactory, make_track

pytestmark = pytest.mark.django_db


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _enrollment_sql(outer_join: str = "LEFT JOIN") -> str:
    return (
        f"SELECT {rawsql.columns(Enrollment, 'e')}, {rawsql.columns(Track, 't')}, "  # noqa: S608
        f"{rawsql.columns(Cohort, 'c')} FROM {rawsql.table(Enrollment)} e "
        f"JOIN {rawsql.table(Track)} t ON t.id = e.track_id "
        f"{outer_join} {rawsql.table(Cohort)} c ON c.id = e.cohort_id WHERE e.id = %s"
    )


def test_rows_become_the_same_instances_the_orm_loads():
    track = make_track(weeks=1)
    cohort = CohortFactory(
        track=track,
        start_date=date(2026, 3, 8),
        meeting_time=time(18, 30),
        timezone="America/Chicago",
    )
    enrollment = EnrollmentFactory(
        track=track,
        cohort=cohort,
        paused_days=3,
        paused_since=datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
    )

    [(got_enrollment, got_track, got_cohort)] = rawsql.fetch(
        _enrollment_sql(), [enrollment.pk], Enrollment, Track, Cohort
    )

    assert _fields(got_enrollment) == _fields(Enrollment.objects.get(pk=enrollment.pk))
    assert _fields(got_track) == _fields(Track.objects.get(pk=track.pk))
    assert _fields(got_cohort) == _fields(Cohort.objects.get(pk=cohort.pk))
    assert isinstance(got_cohort.start_date, date) and isinstance(got_cohort.meeting_time, time)
    assert got_enrollment.paused_since.tzinfo is not None
    # Loaded from the database: saving updates the row instead of inserting another.
    assert got_enrollment._state.adding is False
    got_enrollment.paused_days = 5
    got_enrollment.save(update_fields=["paused_days"])
    assert Enrollment.objects.get(pk=enrollment.pk).paused_days == 5


def test_json_answers_come_back_exactly():
    enrollment = EnrollmentFactory()
    lesson = LessonFactory(module__track=enrollment.track)
    answers = {"feel": "Ça va — 平静 🙂\u200d", "lines": "one\ntwo", "n": "7"}
    row = WorksheetResponse.objects.create(
        enrollment=enrollment, lesson=lesson, status="submitted", version=1, answers=answers,
        submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip

    [(got,)] = rawsql.fetch(
        f"SELECT {rawsql.columns(WorksheetResponse, 'w')} "  # noqa: S608
        f"FROM {rawsql.table(WorksheetResponse)} w WHERE w.id = %s",
        [row.pk],
        WorksheetResponse,
    )

    assert got.answers == answers
    assert _fields(got) == _fields(WorksheetResponse.objects.get(pk=row.pk))


def test_an_outer_join_that_finds_nothing_gives_none():
    enrollment = EnrollmentFactory(cohort=None)

    [(got_enrollment, _, got_cohort)] = rawsql.fetch(
        _enrollment_sql(), [enrollment.pk], Enrollment, Track, Cohort
    )

    assert got_enrollment.pk == enrollment.pk
    assert got_cohort is None


def test_no_rows_give_an_empty_list():
    assert rawsql.fetch(_enrollment_sql(), [0], Enrollment, Track, Cohort) == []


def test_a_query_whose_columns_do_not_match_the_models_is_refused():
    enrollment = EnrollmentFactory()
    with pytest.raises(ValueError, match="columns"):
        rawsql.fetch(_enrollment_sql(), [enrollment.pk], Enrollment, Track)


def test_rows_returns_plain_values():
    enrollment = EnrollmentFactory()
    lesson = LessonFactory(module__track=enrollment.track)
    LessonProgress.objects.create(enrollment=enrollment, lesson=lesson)

    got = rawsql.rows(
        f"SELECT lesson_id FROM {rawsql.table(LessonProgress)} WHERE enrollment_id = %s",  # noqa: S608
        [enrollment.pk],
    )

    assert got == [(lesson.pk,)]
