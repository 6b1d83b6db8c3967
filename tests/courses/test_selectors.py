"""Reads behind the client's course pages: the right rows, in a fixed number of queries."""

from datetime import UTC, date, datetime

import pytest

from courses.models import (
    EnrollmentStatus,
    LessonKind,
    LessonProgress,
    ModuleRelease,
    WorksheetResponse,
)
from courses.selectors import client_enrollments, lesson_state, released_and_done
from tests.factories import CohortFactory, EnrollmentFactory, make_track

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def track():
    return make_track(weeks=3, lessons_per_module=3, trauma_weeks=())


def _worksheet(track, week=1):
    return track.modules.get(week=week).lessons.get(kind=LessonKind.WORKSHEET)


def test_the_current_enrollment_comes_with_its_track_and_cohort_in_one_query(
    track, client_a, django_assert_num_queries
):
    cohort = CohortFactory(track=track, start_date=date(2026, 11, 9))
    EnrollmentFactory(client=client_a, track=track, status=EnrollmentStatus.WITHDRAWN)
    live = EnrollmentFactory(client=client_a, track=track, cohort=cohort)

    with django_assert_num_queries(1):
        got = client_enrollments(client=client_a).current
        assert got.track.release_time == track.release_time
        assert got.anchor_date == date(2026, 11, 9)
        assert got.client is client_a

    assert got.pk == live.pk


def test_a_rolling_enrollment_anchors_on_its_own_start(track, client_a):
    EnrollmentFactory(client=client_a, track=track, cohort=None, start_date=date(2026, 10, 5))

    got = client_enrollments(client=client_a).current

    assert got.cohort is None and got.anchor_date == date(2026, 10, 5)


def test_someone_with_no_live_enrollment_has_none(track, client_a, client_b):
    EnrollmentFactory(client=client_b, track=track)
    EnrollmentFactory(client=client_a, track=track, status=EnrollmentStatus.COMPLETED)

    found = client_enrollments(client=client_a)
    assert found.current is None and found.unfinished is None


def test_an_enrollment_waiting_for_payment_is_unfinished_not_current(
    client_a, django_assert_num_queries
):
    active_track, other_track = make_track(weeks=1), make_track(weeks=1)
    active = EnrollmentFactory(client=client_a, track=active_track)
    pending = EnrollmentFactory(
        client=client_a, track=other_track, status=EnrollmentStatus.PENDING_PAYMENT
    )
    assert pending.created_at >= active.created_at  # the newer one

    with django_assert_num_queries(1):
        found = client_enrollments(client=client_a)
        assert found.unfinished.track.pk == other_track.pk

    assert found.current.pk == active.pk
    assert found.unfinished.pk == pending.pk


def test_someone_only_waiting_for_payment_has_no_current_enrollment(track, client_a):
    pending = EnrollmentFactory(
        client=client_a, track=track, status=EnrollmentStatus.PENDING_PAYMENT
    )

    found = client_enrollments(client=client_a)

    assert found.current is None
    assert found.unfinished.pk == pending.pk


def test_released_and_done_are_this_enrollments_own(track, client_a, client_b):
    mine = EnrollmentFactory(client=client_a, track=track)
    theirs = EnrollmentFactory(client=client_b, track=track)
    week1, week2 = track.modules.get(week=1), track.modules.get(week=2)
    first, second = week1.lessons.order_by("order")[:2]
    ModuleRelease.objects.create(enrollment=mine, module=week1, reason="schedule")
    ModuleRelease.objects.create(enrollment=theirs, module=week2, reason="schedule")
    LessonProgress.objects.create(enrollment=mine, lesson=first, completed_at=NOW)
    LessonProgress.objects.create(enrollment=mine, lesson=second, started_at=NOW)  # not done
    LessonProgress.objects.create(enrollment=theirs, lesson=second, completed_at=NOW)

    assert released_and_done(enrollment=mine) == ({week1.pk}, {first.pk})


def test_lesson_state_with_nothing_yet(track, client_a, django_assert_num_queries):
    enrollment = EnrollmentFactory(client=client_a, track=track)
    lesson = _worksheet(track)

    with django_assert_num_queries(1):
        state = lesson_state(enrollment=enrollment, lesson=lesson)

    assert (state.progress, state.draft, state.latest, state.versions) == (None, None, None, 0)


def test_lesson_state_finds_progress_the_draft_and_the_newest_version(
    track, client_a, client_b, django_assert_num_queries
):
    enrollment = EnrollmentFactory(client=client_a, track=track)
    other = EnrollmentFactory(client=client_b, track=track)
    lesson = _worksheet(track)
    progress = LessonProgress.objects.create(
        enrollment=enrollment, lesson=lesson, started_at=NOW, suds_before=6
    )
    for version in (1, 2, 3):
        WorksheetResponse.objects.create(
            enrollment=enrollment, lesson=lesson, status="submitted", version=version,
            answers={"one-word": f"v{version}"}, submitted_at=NOW,
        )  # fmt: skip
    draft = WorksheetResponse.objects.create(
        enrollment=enrollment, lesson=lesson, answers={"one-word": "still writing"}
    )
    WorksheetResponse.objects.create(
        enrollment=other, lesson=lesson, status="submitted", version=4, submitted_at=NOW
    )
    LessonProgress.objects.create(enrollment=other, lesson=lesson, completed_at=NOW)

    with django_assert_num_queries(1):
        state = lesson_state(enrollment=enrollment, lesson=lesson)

    assert state.progress.pk == progress.pk and state.progress.suds_before == 6
    assert state.draft.pk == draft.pk and state.draft.answers == {"one-word": "still writing"}
    assert state.latest.version == 3 and state.latest.answers == {"one-word": "v3"}
    assert state.versions == 3
