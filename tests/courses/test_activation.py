"""Activation, what a payment grants: a pending enrollment becomes active and whatever is due
opens at once, which is week 1 on its start day."""

from datetime import UTC, date, datetime

import pytest

from audit.models import AuditEvent
from courses.models import Enrollment, EnrollmentStatus, ModuleRelease
from courses.services.enrollment import (
    EnrollmentError,
    enrollment_activate,
    enrollment_create,
    enrollment_set_status,
)
from courses.services.releases import release_sweep
from tests.factories import CohortFactory, make_track

# Monday 2026-11-02 in New York (EST, UTC-5): 05:00 local, before the 06:00 release time ...
BEFORE_SIX = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SIX = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
# ... and 07:00 local, after it.
AFTER_SIX = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def track(db):
    return make_track(weeks=4, lessons_per_module=1, trauma_weeks=())


def pending(client, track, **kwargs):
    return enrollment_create(
        client=client,
        track=track,
        status=EnrollmentStatus.PENDING_PAYMENT,
        now=kwargs.pop("now", AFTER_SIX),
        **({"start_date": date(2026, 11, 2)} | kwargs),
    )


def weeks(enrollment):
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def test_a_pending_enrollment_has_no_schedule_and_nothing_open(client_a, track):
    enrollment = pending(client_a, track)
    assert weeks(enrollment) == [] and enrollment.next_release_at is None


def test_activation_on_the_start_day_opens_week_1_at_once(client_a, track):
    enrollment = pending(client_a, track)
    activated = enrollment_activate(enrollment=enrollment, acting_user=None, now=AFTER_SIX)
    assert activated.status == EnrollmentStatus.ACTIVE
    assert weeks(enrollment) == [1]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.next_release_at == datetime(2026, 11, 9, 11, 0, tzinfo=UTC)
    change = AuditEvent.objects.get(action="enrollment.status_changed", target_id=enrollment.pk)
    assert change.metadata == {"from": "pending_payment", "to": "active"}


def test_activation_before_the_release_time_opens_week_1_at_six_from_the_sweep(client_a, track):
    enrollment = pending(client_a, track, now=BEFORE_SIX)
    enrollment_activate(enrollment=enrollment, acting_user=None, now=BEFORE_SIX)
    assert weeks(enrollment) == []
    assert Enrollment.objects.get(pk=enrollment.pk).next_release_at == SIX
    assert release_sweep(now=SIX) == 1
    assert weeks(enrollment) == [1]


def test_activation_into_a_later_cohort_opens_week_1_on_the_cohorts_first_day(client_a, track):
    cohort = CohortFactory(track=track, start_date=date(2026, 11, 9))
    enrollment = pending(client_a, track, cohort=cohort, start_date=None)
    enrollment_activate(enrollment=enrollment, acting_user=None, now=AFTER_SIX)
    assert weeks(enrollment) == []
    assert Enrollment.objects.get(pk=enrollment.pk).next_release_at == datetime(
        2026, 11, 9, 11, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("status", [EnrollmentStatus.PAUSED, EnrollmentStatus.CANCELLED])
def test_only_an_enrollment_waiting_for_payment_is_activated(client_a, track, status):
    enrollment = pending(client_a, track)
    if status == EnrollmentStatus.PAUSED:
        enrollment_set_status(
            enrollment=enrollment, status=EnrollmentStatus.ACTIVE, acting_user=None, now=AFTER_SIX
        )
    enrollment_set_status(enrollment=enrollment, status=status, acting_user=None, now=AFTER_SIX)
    opened = weeks(enrollment)
    with pytest.raises(EnrollmentError):
        enrollment_activate(enrollment=enrollment, acting_user=None, now=AFTER_SIX)
    assert Enrollment.objects.get(pk=enrollment.pk).status == status
    assert weeks(enrollment) == opened
