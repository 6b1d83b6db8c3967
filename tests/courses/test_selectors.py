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
from courses.selectors import (
    client_enrollments,
    course_overview,
    lesson_state,
    next_lesson_after,
    released_and_done,
    suds_readings,
)
from courses.services.pacing import pacing_hold
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory, make_track

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


# --- Where the client picks up, and what comes after a lesson --------------------------------


def _open(enrollment, *weeks):
    for week in weeks:
        ModuleRelease.objects.create(
            enrollment=enrollment, module=enrollment.track.modules.get(week=week), reason="x"
        )


def _lessons(track, week):
    return list(track.modules.get(week=week).lessons.order_by("order"))


def _done(enrollment, *lessons):
    for lesson in lessons:
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, completed_at=NOW)


@pytest.fixture
def four_weeks(client_a):
    track = make_track(weeks=4, lessons_per_module=3, trauma_weeks=())
    # Nothing is due yet: the tests open weeks themselves.
    return EnrollmentFactory(client=client_a, track=track, start_date=date(2027, 3, 1))


def test_home_resumes_at_the_earliest_unfinished_lesson_not_in_the_newest_week(four_weeks):
    _open(four_weeks, 1, 2, 3)
    week1, week3 = _lessons(four_weeks.track, 1), _lessons(four_weeks.track, 3)
    _done(four_weeks, week3[0])

    overview = course_overview(enrollment=four_weeks)

    assert overview.current.module.week == 3  # "this week" is still the newest open one
    assert overview.next_lesson.pk == week1[0].pk
    assert overview.next_step.module.week == 1


def test_home_resumes_past_what_is_done_and_skips_a_held_week(four_weeks, clinician):
    track = four_weeks.track
    _open(four_weeks, 1)
    pacing_hold(
        enrollment=four_weeks, module=track.modules.get(week=2), reason_code="stabilization",
        author=clinician, now=NOW,
    )  # fmt: skip
    _open(four_weeks, 3)
    _done(four_weeks, *_lessons(track, 1))

    assert course_overview(enrollment=four_weeks).next_lesson.pk == _lessons(track, 3)[0].pk


def test_an_unfinished_optional_lesson_does_not_hold_the_place_while_required_ones_wait(
    four_weeks,
):
    _open(four_weeks, 1, 2)
    first, second, third = _lessons(four_weeks.track, 1)
    first.required = False
    first.save(update_fields=["required"])
    four_weeks.track.content_token = "changed"  # what load_curriculum does on a change
    four_weeks.track.save(update_fields=["content_token"])
    _done(four_weeks, second, third)

    overview = course_overview(enrollment=four_weeks)
    assert overview.next_lesson.pk == _lessons(four_weeks.track, 2)[0].pk
    _done(four_weeks, *_lessons(four_weeks.track, 2))
    # Every required lesson done: the optional one left is offered.
    assert course_overview(enrollment=four_weeks).next_lesson.pk == first.pk


def test_home_has_no_next_lesson_when_everything_open_is_done(four_weeks):
    _open(four_weeks, 1)
    _done(four_weeks, *_lessons(four_weeks.track, 1))
    assert course_overview(enrollment=four_weeks).next_step is None


def test_the_next_lesson_is_the_next_unfinished_one_in_the_same_week(
    four_weeks, django_assert_num_queries
):
    _open(four_weeks, 1, 2)
    first, second, third = _lessons(four_weeks.track, 1)
    _done(four_weeks, first, second)
    next_lesson_after(enrollment=four_weeks, lesson_id=first.pk)  # the structure, cached

    with django_assert_num_queries(1):
        step = next_lesson_after(enrollment=four_weeks, lesson_id=first.pk)

    assert step.lesson.pk == third.pk and step.module.week == 1


def test_after_a_weeks_last_lesson_comes_the_next_open_weeks_first_unfinished_one(
    four_weeks, clinician
):
    track = four_weeks.track
    _open(four_weeks, 1)
    pacing_hold(
        enrollment=four_weeks, module=track.modules.get(week=2), reason_code="stabilization",
        author=clinician, now=NOW,
    )  # fmt: skip
    _open(four_weeks, 3)
    week1, week3 = _lessons(track, 1), _lessons(track, 3)
    _done(four_weeks, week3[0])

    step = next_lesson_after(enrollment=four_weeks, lesson_id=week1[-1].pk)

    assert step.lesson.pk == week3[1].pk and step.module.week == 3  # week 2 is held


def test_there_is_no_next_lesson_after_the_last_open_one_or_for_a_lesson_not_open(four_weeks):
    _open(four_weeks, 1, 2)
    week2, week4 = _lessons(four_weeks.track, 2), _lessons(four_weeks.track, 4)
    # Week 1 is untouched, but what comes before is not "next": the program map shows it.
    assert next_lesson_after(enrollment=four_weeks, lesson_id=week2[-1].pk) is None
    assert next_lesson_after(enrollment=four_weeks, lesson_id=week4[0].pk) is None  # locked


# --- The client's own SUDS ratings -------------------------------------------------------------


def test_suds_readings_are_the_clients_own_in_the_order_done_with_days_in_their_zone(
    client_a, client_b, django_assert_num_queries
):
    client_a.timezone = "Pacific/Auckland"  # 13 hours ahead of UTC in November
    client_a.save(update_fields=["timezone"])
    track = make_track(weeks=3, lessons_per_module=2, trauma_weeks=())
    mine = EnrollmentFactory(client=client_a, track=track)
    theirs = EnrollmentFactory(client=client_b, track=track)
    practice = [m.lessons.get(kind=LessonKind.PRACTICE) for m in track.modules.order_by("week")]
    reading = track.modules.get(week=1).lessons.get(kind=LessonKind.READING)
    late, early = datetime(2026, 11, 20, 12, 0, tzinfo=UTC), datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
    rows = [
        (mine, practice[0], late, late, 7, 3),
        (mine, practice[1], early, early, 5, None),
        (mine, practice[2], early, None, 8, None),  # started, not finished: last
        (mine, reading, early, early, 9, 9),  # a lesson that does not ask (stale ratings)
        (theirs, practice[0], early, early, 1, 1),
    ]
    for enrollment, lesson, started, completed, before, after in rows:
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, started_at=started, completed_at=completed,
            suds_before=before, suds_after=after,
        )  # fmt: skip

    with django_assert_num_queries(1):
        readings = suds_readings(client=client_a)

    assert [(r.number, r.week, r.before, r.after, r.done) for r in readings] == [
        (1, 2, 5, None, True),
        (2, 1, 7, 3, True),
        (3, 3, 8, None, False),
    ]
    assert readings[0].on == date(2026, 11, 9)
    assert readings[1].on == date(2026, 11, 21)  # 12:00 UTC is the next day in Auckland
    assert readings[1].change == -4 and readings[0].change is None


def test_suds_readings_stay_one_query_with_a_long_history(django_assert_num_queries):
    person = UserFactory()
    track = make_track(weeks=12, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=person, track=track)
    for lesson in track.modules.all().values_list("lessons", flat=True):
        LessonProgress.objects.create(
            enrollment=enrollment, lesson_id=lesson, completed_at=NOW, suds_before=4, suds_after=2
        )
    with django_assert_num_queries(1):
        readings = suds_readings(client=person)
    assert len(readings) == 12  # one practice a week asks
