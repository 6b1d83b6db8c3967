"""The beat sweep: bulk, claim-safe, and the same rows as the lazy path."""

from datetime import UTC, date, datetime, timedelta

import pytest

from courses.models import Enrollment, ModuleRelease
from courses.services.enrollment import enrollment_create
from courses.services.pacing import pacing_hold, pacing_lift_hold, pacing_pause
from courses.services.releases import enrollment_release_due_modules, release_sweep
from notifications.models import Kind, Notification
from tests.factories import UserFactory, make_track

MONDAY_NOON = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # weeks 1-4 of a Nov 2 start are due
ENROLLED_AT = datetime(2026, 11, 2, 12, tzinfo=UTC)  # 07:00 in New York on the start day


@pytest.fixture
def track(db):
    return make_track(weeks=12, lessons_per_module=1, trauma_weeks=())


def enroll(track, start=date(2026, 11, 2), **user_kwargs):
    return enrollment_create(
        client=UserFactory(**user_kwargs), track=track, start_date=start, now=ENROLLED_AT
    )


def test_a_new_enrollment_knows_when_its_next_week_is_due(track):
    enrollment = enroll(track)
    # Week 1 opened at creation (Nov 2, 06:00 in New York); week 2 is next.
    assert enrollment.next_release_at == datetime(2026, 11, 9, 11, 0, tzinfo=UTC)
    assert ModuleRelease.objects.filter(enrollment=enrollment).count() == 1


def test_the_sweep_releases_every_due_week_and_one_message_per_client(track):
    enrollments = [enroll(track) for _ in range(5)]
    assert release_sweep(now=MONDAY_NOON) == 15  # weeks 2-4 for five clients
    for enrollment in enrollments:
        weeks = sorted(
            ModuleRelease.objects.filter(enrollment=enrollment).values_list(
                "module__week", flat=True
            )
        )
        assert weeks == [1, 2, 3, 4]
        enrollment.refresh_from_db()
        assert enrollment.next_release_at == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    released = Notification.objects.filter(kind=Kind.MODULE_RELEASED)
    # One at enrollment (week 1) and one for the catch-up, per client.
    assert released.count() == 10


def test_a_second_sweep_at_the_same_tick_changes_nothing(track):
    enroll(track)
    release_sweep(now=MONDAY_NOON)
    counts = (ModuleRelease.objects.count(), Notification.objects.count())
    assert release_sweep(now=MONDAY_NOON) == 0
    assert (ModuleRelease.objects.count(), Notification.objects.count()) == counts


def test_the_lazy_path_and_the_sweep_write_the_same_rows_once(track):
    enrollment = enroll(track)
    enrollment = Enrollment.objects.select_related("track", "client", "cohort").get(
        pk=enrollment.pk
    )
    enrollment_release_due_modules(enrollment=enrollment, now=MONDAY_NOON)
    assert release_sweep(now=MONDAY_NOON) == 0
    assert ModuleRelease.objects.filter(enrollment=enrollment).count() == 4


def test_a_held_week_is_skipped_by_the_sweep_and_opens_when_lifted(track, clinician):
    enrollment = enroll(track)
    week3 = track.modules.get(week=3)
    pacing_hold(
        enrollment=enrollment, reason_code="stabilization",
        author=clinician, module=week3, now=ENROLLED_AT,
    )  # fmt: skip
    release_sweep(now=MONDAY_NOON)
    weeks = set(ModuleRelease.objects.values_list("module__week", flat=True))
    assert weeks == {1, 2, 4}
    lifted_at = MONDAY_NOON + timedelta(hours=1)
    pacing_lift_hold(
        enrollment=enrollment, reason_code="clinical_judgement",
        author=clinician, module=week3, now=lifted_at,
    )  # fmt: skip
    release_sweep(now=lifted_at)
    assert set(ModuleRelease.objects.values_list("module__week", flat=True)) == {1, 2, 3, 4}


def test_a_paused_enrollment_is_not_swept(track, clinician):
    enrollment = enroll(track)
    pacing_pause(
        enrollment=enrollment, reason_code="life_event", author=clinician,
        now=ENROLLED_AT,
    )  # fmt: skip
    assert release_sweep(now=MONDAY_NOON) == 0


def test_a_new_time_zone_moves_the_next_week(track, client_a, signed_in, client):
    enrollment = enroll(track, email="tz@example.org")
    from accounts.services import user_update_profile

    user = enrollment.client
    user_update_profile(
        user=user, preferred_name="", timezone="America/Los_Angeles", phone="", acting_user=user,
        now=ENROLLED_AT,
    )  # fmt: skip
    enrollment.refresh_from_db()
    # 06:00 in Los Angeles, not New York, for whichever week comes next.
    assert (
        enrollment.next_release_at.astimezone(
            __import__("zoneinfo").ZoneInfo("America/Los_Angeles")
        ).hour
        == 6
    )


def test_sweep_queries_do_not_grow_with_the_number_of_enrollments(
    track, django_assert_max_num_queries
):
    for _ in range(30):
        enroll(track)
    release_sweep(now=MONDAY_NOON - timedelta(days=7))  # warm caches; releases weeks 2-3
    with django_assert_max_num_queries(13):
        assert release_sweep(now=MONDAY_NOON) == 30
