"""The release ledger: what is due is released once, whoever asks and however often."""

from datetime import UTC, date, datetime

import pytest

from courses.models import EnrollmentStatus, LessonProgress, ModuleRelease
from courses.services.pacing import (
    PacingError,
    pacing_advance,
    pacing_hold,
    pacing_lift_hold,
    pacing_pause,
    pacing_resume,
    pacing_shift,
)
from courses.services.releases import enrollment_release_due_modules, modules_due
from tests.conftest import run_at_once
from tests.factories import EnrollmentFactory, UserFactory, make_track

# Monday 2026-11-23, 12:00 UTC (07:00 in New York): weeks 1-4 of a Nov 2 cohort are due.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Sunday 2026-11-15, 12:00 UTC: weeks 1-2 are open, week 3 is due the next morning.
EARLIER = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def enrollment(db):
    track = make_track(weeks=12, lessons_per_module=3)
    return EnrollmentFactory(track=track, start_date=date(2026, 11, 2))


def released_weeks(enrollment):
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def test_it_releases_every_week_that_is_due_and_nothing_later(enrollment):
    rows = enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    assert [r.module.week for r in rows] == [1, 2, 3, 4]
    assert released_weeks(enrollment) == [1, 2, 3, 4]
    assert all(r.reason == "schedule" and r.due_at <= NOW for r in rows)


def test_it_refuses_a_second_release_of_the_same_module(enrollment):
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    again = enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    assert again == []
    assert ModuleRelease.objects.filter(enrollment=enrollment).count() == 4


def test_a_paused_or_finished_enrollment_releases_nothing(enrollment):
    for status in (EnrollmentStatus.PAUSED, EnrollmentStatus.WITHDRAWN):
        enrollment.status = status
        enrollment.save(update_fields=["status"])
        assert enrollment_release_due_modules(enrollment=enrollment, now=NOW) == []


def test_the_client_time_zone_decides_the_moment(db):
    track = make_track(weeks=4)
    ny = EnrollmentFactory(track=track, start_date=date(2026, 11, 2))
    chicago = EnrollmentFactory(
        track=track,
        start_date=date(2026, 11, 2),
        client=UserFactory(timezone="America/Chicago"),
    )
    # 11:30 UTC is 06:30 in New York but 05:30 in Chicago on week 4's Monday.
    moment = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
    assert len(enrollment_release_due_modules(enrollment=ny, now=moment)) == 4
    assert len(enrollment_release_due_modules(enrollment=chicago, now=moment)) == 3


def test_a_clinician_hold_keeps_a_week_closed_until_lifted(enrollment, clinician):
    week4 = enrollment.track.modules.get(week=4)
    pacing_hold(
        enrollment=enrollment,
        reason_code="stabilization",
        author=clinician,
        module=week4,
        now=EARLIER,
    )
    assert released_weeks(enrollment) == [1, 2]  # the hold released what was due then
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    assert released_weeks(enrollment) == [1, 2, 3]
    pacing_lift_hold(
        enrollment=enrollment,
        reason_code="clinical_judgement",
        author=clinician,
        module=week4,
        now=NOW,
    )
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    assert released_weeks(enrollment) == [1, 2, 3, 4]


def test_a_clinician_advance_opens_a_week_early_once(enrollment, clinician):
    week6 = enrollment.track.modules.get(week=6)
    for _ in range(2):
        pacing_advance(
            enrollment=enrollment,
            reason_code="ready_early",
            author=clinician,
            module=week6,
            now=NOW,
        )
    release = ModuleRelease.objects.get(enrollment=enrollment, module=week6)
    assert release.reason == "clinician_advance"


def test_a_shift_moves_the_schedule_and_is_bounded(enrollment, clinician):
    pacing_shift(
        enrollment=enrollment, reason_code="life_event",
        author=clinician, days=7, now=EARLIER,
    )  # fmt: skip
    enrollment.refresh_from_db()
    assert released_weeks(enrollment) == [1]  # week 2 moved from Nov 9 to Nov 16
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    assert released_weeks(enrollment) == [1, 2, 3]
    with pytest.raises(PacingError):
        pacing_shift(
            enrollment=enrollment, reason_code="life_event",
            author=clinician, days=400, now=NOW,
        )  # fmt: skip


def test_pause_and_resume_add_the_paused_days(enrollment, clinician):
    pacing_pause(
        enrollment=enrollment, reason_code="life_event",
        author=clinician, now=datetime(2026, 11, 10, 12, tzinfo=UTC),
    )  # fmt: skip
    pacing_resume(
        enrollment=enrollment, reason_code="client_request",
        author=clinician, now=datetime(2026, 11, 20, 12, tzinfo=UTC),
    )  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.paused_days == 10


def test_a_pause_counts_the_client_s_own_days(enrollment, clinician):
    # Paused at 23:30 on Nov 10 in New York (04:30 UTC on the 11th) and resumed at 00:30 on Nov
    # 12 there (05:30 UTC): two local days, though the UTC dates are only one day apart.
    pacing_pause(
        enrollment=enrollment, reason_code="life_event",
        author=clinician, now=datetime(2026, 11, 11, 4, 30, tzinfo=UTC),
    )  # fmt: skip
    pacing_resume(
        enrollment=enrollment, reason_code="client_request",
        author=clinician, now=datetime(2026, 11, 12, 5, 30, tzinfo=UTC),
    )  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.paused_days == 2


def test_a_track_that_requires_completion_waits_for_the_week_before(enrollment):
    track = enrollment.track
    track.requires_previous_completion = True
    track.save()
    enrollment.track.refresh_from_db()
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    assert released_weeks(enrollment) == [1]
    for lesson in track.modules.get(week=1).lessons.all():
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, completed_at=NOW)
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    assert released_weeks(enrollment) == [1, 2]


def test_modules_due_needs_few_queries_however_long_the_track(db, django_assert_max_num_queries):
    track = make_track(weeks=24, lessons_per_module=1)
    enrollment = EnrollmentFactory(track=track, start_date=date(2026, 1, 5))
    enrollment = (
        type(enrollment).objects.select_related("track", "client", "cohort").get(pk=enrollment.pk)
    )
    modules_due(enrollment=enrollment, now=NOW)  # warms the track's cached structure
    # Released weeks and clinician holds: two queries, whatever the length (the billing hold
    # is on the enrollment's own row).
    with django_assert_max_num_queries(2):
        assert len(modules_due(enrollment=enrollment, now=NOW)) == 24


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_the_same_moment_write_one_release_each(db):
    track = make_track(weeks=4, lessons_per_module=1)
    enrollment = EnrollmentFactory(track=track, start_date=date(2026, 11, 2))
    errors = run_at_once(lambda: enrollment_release_due_modules(enrollment=enrollment, now=NOW))
    assert not errors
    assert ModuleRelease.objects.filter(enrollment=enrollment).count() == 4
