"""courses' enrollment services behind the console: move (seat cap under row locks, schedule
re-anchored), withdraw and complete with a reason, re-admit, and the move's week preview."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from courses.models import Enrollment, EnrollmentStatus, ModuleRelease
from courses.services.enrollment import (
    EnrollmentError,
    cohort_seats_taken,
    enrollment_close,
    enrollment_create,
    enrollment_move,
    enrollment_readmit,
    enrollment_schedule_preview,
)
from tests.conftest import run_at_once
from tests.factories import CohortFactory, UserFactory, make_track

S = EnrollmentStatus
# Wednesday 25 November 2026, 15:00 UTC (10:00 in New York).
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def track(db):
    return make_track(weeks=6, lessons_per_module=1, trauma_weeks=())


def _enrolled(track, cohort, **kwargs):
    client = UserFactory(timezone="America/New_York", **kwargs)
    return enrollment_create(client=client, track=track, cohort=cohort, now=NOW)


def _weeks_open(enrollment) -> list[int]:
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def test_a_move_reanchors_the_schedule_on_the_new_cohorts_start_and_keeps_open_weeks(
    track, admin_user
):
    # Started 2 November: weeks 1-4 are open on 25 November.
    early = CohortFactory(track=track, start_date=date(2026, 11, 2))
    later = CohortFactory(track=track, start_date=date(2026, 11, 23))
    enrollment = _enrolled(track, early)
    assert _weeks_open(enrollment) == [1, 2, 3, 4]
    moved = enrollment_move(
        enrollment=enrollment, cohort=later, reason="Schedule fits", acting_user=admin_user, now=NOW
    )
    assert (moved.cohort_id, moved.start_date, moved.anchor_date) == (
        later.pk, date(2026, 11, 23), date(2026, 11, 23),
    )  # fmt: skip
    assert _weeks_open(enrollment) == [1, 2, 3, 4]  # already open: stays open
    # Week 5 is due on the new anchor + 4 weeks (21 December), not the old one (30 November).
    local = moved.next_release_at.astimezone(ZoneInfo("America/New_York"))
    assert local.date() == date(2026, 12, 21)
    event = AuditEvent.objects.get(action="enrollment.moved")
    assert event.metadata == {
        "from_cohort": early.pk,
        "to_cohort": later.pk,
        "reason": "Schedule fits",
    }
    assert event.actor_id == admin_user.pk


def test_a_move_to_an_earlier_cohort_opens_what_is_due_at_once(track, admin_user):
    late = CohortFactory(track=track, start_date=date(2026, 11, 23))
    early = CohortFactory(track=track, start_date=date(2026, 11, 2))
    enrollment = _enrolled(track, late)
    assert _weeks_open(enrollment) == [1]
    enrollment_move(
        enrollment=enrollment, cohort=early, reason="Catch up", acting_user=admin_user, now=NOW
    )
    assert _weeks_open(enrollment) == [1, 2, 3, 4]


def test_a_move_into_a_full_cohort_is_refused_and_nothing_changes(track, admin_user):
    here = CohortFactory(track=track, start_date=date(2026, 11, 2))
    full = CohortFactory(track=track, start_date=date(2026, 11, 23), capacity=1)
    _enrolled(track, full)
    enrollment = _enrolled(track, here)
    with pytest.raises(EnrollmentError, match="full"):
        enrollment_move(
            enrollment=enrollment, cohort=full, reason="x", acting_user=admin_user, now=NOW
        )
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == here.pk
    assert not AuditEvent.objects.filter(action="enrollment.moved").exists()


@pytest.mark.parametrize(
    "problem", ["other_track", "same_cohort", "no_reason", "long_reason", "withdrawn"]
)
def test_a_move_that_does_not_fit_is_refused(track, admin_user, problem):
    here = CohortFactory(track=track)
    there = CohortFactory(track=track, start_date=date(2026, 11, 23))
    enrollment = _enrolled(track, here)
    reason = {"no_reason": "  ", "long_reason": "x" * 201}.get(problem, "Because")
    target = {"other_track": CohortFactory(), "same_cohort": here}.get(problem, there)
    if problem == "withdrawn":
        enrollment_close(
            enrollment=enrollment, status=S.WITHDRAWN, reason="r", acting_user=admin_user, now=NOW
        )
    with pytest.raises(EnrollmentError):
        enrollment_move(
            enrollment=enrollment, cohort=target, reason=reason, acting_user=admin_user, now=NOW
        )
    enrollment.refresh_from_db()
    assert enrollment.cohort_id == here.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_moves_into_the_last_seat_at_once_place_exactly_one(admin_user):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    here = CohortFactory(track=track, capacity=5)
    last_seat = CohortFactory(track=track, start_date=date(2026, 11, 23), capacity=1)
    movers = [_enrolled(track, here), _enrolled(track, here)]
    queue = list(movers)

    def move():
        enrollment_move(enrollment=queue.pop(), cohort=last_seat, reason="Both at once",
                        acting_user=admin_user, now=NOW)  # fmt: skip

    errors = run_at_once(move)
    assert len(errors) == 1 and "full" in str(errors[0])
    assert cohort_seats_taken(cohort=last_seat) == 1
    assert Enrollment.objects.filter(cohort=last_seat).count() == 1


def test_the_preview_gives_each_weeks_opening_in_the_clients_zone_and_what_is_open(
    track, admin_user
):
    early = CohortFactory(track=track, start_date=date(2026, 11, 2))
    enrollment = _enrolled(track, early)
    weeks = enrollment_schedule_preview(enrollment=enrollment, anchor=date(2026, 11, 30), now=NOW)
    assert [w.week for w in weeks] == [1, 2, 3, 4, 5, 6]
    assert [w.released for w in weeks] == [True, True, True, True, False, False]
    # Week 5 from 30 November: 28 December, 06:00 in New York.
    five = weeks[4].due_at.astimezone(ZoneInfo("America/New_York"))
    assert (five.date(), five.hour) == (date(2026, 12, 28), 6)
    assert weeks[0].due_at.astimezone(ZoneInfo("America/New_York")).date() == date(2026, 11, 30)


def test_withdrawing_and_completing_need_a_reason_and_keep_the_ledger(track, admin_user):
    cohort = CohortFactory(track=track)
    one, two = _enrolled(track, cohort), _enrolled(track, cohort)
    with pytest.raises(EnrollmentError, match="reason"):
        enrollment_close(
            enrollment=one, status=S.WITHDRAWN, reason="", acting_user=admin_user, now=NOW
        )
    enrollment_close(
        enrollment=one, status=S.WITHDRAWN, reason="Moved away", acting_user=admin_user, now=NOW
    )
    enrollment_close(
        enrollment=two, status=S.COMPLETED, reason="Finished", acting_user=admin_user, now=NOW
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == (S.WITHDRAWN, S.COMPLETED)
    assert _weeks_open(one) == [1, 2, 3, 4]
    reasons = set(AuditEvent.objects.filter(action="enrollment.status_changed")
                  .values_list("metadata__reason", flat=True))  # fmt: skip
    assert reasons == {"Moved away", "Finished"}


def test_closing_outside_the_map_is_refused(track, admin_user):
    enrollment = _enrolled(track, CohortFactory(track=track))
    enrollment_close(
        enrollment=enrollment, status=S.WITHDRAWN, reason="r", acting_user=admin_user, now=NOW
    )
    with pytest.raises(EnrollmentError):
        enrollment_close(
            enrollment=enrollment, status=S.COMPLETED, reason="r", acting_user=admin_user, now=NOW
        )
    with pytest.raises(EnrollmentError):
        enrollment_close(
            enrollment=enrollment, status=S.ACTIVE, reason="r", acting_user=admin_user, now=NOW
        )


def test_readmitting_a_withdrawn_enrollment_makes_it_active_and_opens_what_is_due(
    track, admin_user
):
    enrollment = _enrolled(track, CohortFactory(track=track, start_date=date(2026, 11, 2)))
    enrollment_close(
        enrollment=enrollment, status=S.WITHDRAWN, reason="r", acting_user=admin_user, now=NOW
    )
    later = NOW + timedelta(days=7)
    enrollment_readmit(enrollment=enrollment, reason="Came back", acting_user=admin_user, now=later)
    enrollment.refresh_from_db()
    assert enrollment.status == S.ACTIVE
    assert _weeks_open(enrollment) == [1, 2, 3, 4, 5]
    event = AuditEvent.objects.filter(action="enrollment.status_changed").latest("pk")
    assert event.metadata == {"from": "withdrawn", "to": "active", "reason": "Came back"}


def test_readmitting_is_refused_from_active_and_when_another_enrollment_is_current(
    track, admin_user
):
    cohort = CohortFactory(track=track)
    enrollment = _enrolled(track, cohort)
    with pytest.raises(EnrollmentError):
        enrollment_readmit(enrollment=enrollment, reason="r", acting_user=admin_user, now=NOW)
    enrollment_close(
        enrollment=enrollment, status=S.COMPLETED, reason="r", acting_user=admin_user, now=NOW
    )
    enrollment_create(client=enrollment.client, track=track, cohort=cohort, now=NOW)
    with pytest.raises(EnrollmentError, match="current enrollment"):
        enrollment_readmit(enrollment=enrollment, reason="r", acting_user=admin_user, now=NOW)
    enrollment.refresh_from_db()
    assert enrollment.status == S.COMPLETED


def test_readmitting_a_withdrawn_enrollment_needs_a_seat_in_its_cohort(track, admin_user):
    cohort = CohortFactory(track=track, capacity=1)
    enrollment = _enrolled(track, cohort)
    enrollment_close(
        enrollment=enrollment, status=S.WITHDRAWN, reason="r", acting_user=admin_user, now=NOW
    )
    _enrolled(track, cohort)  # the seat it gave back is taken
    with pytest.raises(EnrollmentError, match="full"):
        enrollment_readmit(enrollment=enrollment, reason="r", acting_user=admin_user, now=NOW)
    enrollment.refresh_from_db()
    assert enrollment.status == S.WITHDRAWN


def test_readmitting_a_completed_enrollment_keeps_the_seat_it_already_holds(track, admin_user):
    cohort = CohortFactory(track=track, capacity=1)
    enrollment = _enrolled(track, cohort)
    enrollment_close(
        enrollment=enrollment, status=S.COMPLETED, reason="r", acting_user=admin_user, now=NOW
    )
    enrollment_readmit(enrollment=enrollment, reason="One more round", acting_user=admin_user,
                       now=NOW)  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.status == S.ACTIVE
