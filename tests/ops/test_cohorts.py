"""Cohort services: the rules an administrator's cohort must keep, the seat rule, the cohort's
clinicians following its clients (care assignments added and ended, the rows kept), and the
audit trail."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.db import transaction

from accounts.roles import Role
from audit.models import AuditEvent
from care.models import CareAssignment
from core.events import subscribers
from courses.events import EnrollmentJoinedCohort
from courses.models import Cohort, EnrollmentStatus
from courses.services.enrollment import (
    cohort_seats_taken,
    enrollment_activate,
    enrollment_create,
    enrollment_place,
)
from ops.services.cohorts import (
    CohortError,
    CohortFields,
    cohort_clinicians_follow_enrollment,
    cohort_create,
    cohort_update,
)
from tests.conftest import run_at_once
from tests.factories import CohortFactory, EnrollmentFactory, TrackFactory, UserFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def track():
    return TrackFactory(weeks=12)


def fields(track, **changes) -> CohortFields:
    values = {
        "track": track,
        "name": "Winter",
        "start_date": date(2026, 12, 7),
        "capacity": 8,
        "timezone": "America/Chicago",
        "meeting_weekday": 1,
        "meeting_time": time(18, 30),
        "clinicians": (),
    }
    values.update(changes)
    return CohortFields(**values)


def test_an_administrator_creates_a_cohort_with_its_clinicians_and_it_is_audited(admin, track):
    lead = UserFactory(role=Role.CLINICIAN)
    supervisor = UserFactory(role=Role.SUPERVISOR)
    cohort = cohort_create(
        fields=fields(track, clinicians=(lead, supervisor)), acting_user=admin, now=NOW
    )
    assert cohort.name == "Winter" and cohort.timezone == "America/Chicago"
    assert set(cohort.clinicians.all()) == {lead, supervisor}
    event = AuditEvent.objects.get(action="ops.cohort_created")
    assert event.actor == admin and event.target_id == str(cohort.pk)
    assert event.metadata["clinicians"] == ",".join(
        str(pk) for pk in sorted([lead.pk, supervisor.pk])
    )


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PARTNER, Role.BILLING, Role.ADMIN])
def test_only_clinicians_and_supervisors_may_lead_a_cohort(admin, track, role):
    with pytest.raises(CohortError) as refused:
        cohort_create(
            fields=fields(track, clinicians=(UserFactory(role=role),)), acting_user=admin, now=NOW
        )
    assert refused.value.field == "clinicians"
    assert not Cohort.objects.exists()


def test_an_inactive_clinician_may_not_lead_a_cohort(admin, track):
    gone = UserFactory(role=Role.CLINICIAN, is_active=False)
    with pytest.raises(CohortError):
        cohort_create(fields=fields(track, clinicians=(gone,)), acting_user=admin, now=NOW)


def test_names_are_unique_per_track_whatever_their_case(admin, track):
    cohort_create(fields=fields(track), acting_user=admin, now=NOW)
    with pytest.raises(CohortError) as refused:
        cohort_create(fields=fields(track, name=" winter "), acting_user=admin, now=NOW)
    assert refused.value.field == "name"
    # Another track may use the name.
    cohort_create(fields=fields(TrackFactory(), name="WINTER"), acting_user=admin, now=NOW)
    assert Cohort.objects.count() == 2


def test_the_database_refuses_a_clashing_name_too(track):
    CohortFactory(track=track, name="Spring")
    with pytest.raises(Exception, match="courses_cohort_name_per_track"):
        CohortFactory(track=track, name="SPRING")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"meeting_weekday": None}, "meeting_time"),
        ({"meeting_time": None}, "meeting_time"),
        ({"meeting_weekday": 7}, "meeting_weekday"),
        ({"capacity": 0}, "capacity"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_stored(admin, track, changes, field):
    with pytest.raises(CohortError) as refused:
        cohort_create(fields=fields(track, **changes), acting_user=admin, now=NOW)
    assert refused.value.field == field
    assert not Cohort.objects.exists()
    assert not AuditEvent.objects.filter(action="ops.cohort_created").exists()


def test_a_cohort_without_a_weekly_meeting_is_fine(admin, track):
    cohort = cohort_create(
        fields=fields(track, meeting_weekday=None, meeting_time=None), acting_user=admin, now=NOW
    )
    assert cohort.meeting_weekday is None and cohort.meeting_time is None


def test_seats_are_the_enrollments_that_hold_one(track):
    cohort = CohortFactory(track=track)
    for status in EnrollmentStatus.values:
        EnrollmentFactory(track=track, cohort=cohort, status=status)
    # Active, paused and completed hold a seat; waiting for payment, withdrawn, cancelled do not.
    assert cohort_seats_taken(cohort=cohort) == 3


def test_capacity_never_goes_below_the_seats_taken(admin, track):
    cohort = CohortFactory(track=track, capacity=5, start_date=date(2026, 12, 7))
    for status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED, EnrollmentStatus.COMPLETED):
        EnrollmentFactory(track=track, cohort=cohort, status=status)
    EnrollmentFactory(track=track, cohort=cohort, status=EnrollmentStatus.WITHDRAWN)
    with pytest.raises(CohortError) as refused:
        cohort_update(
            cohort=cohort,
            fields=fields(track, name=cohort.name, capacity=2),
            acting_user=admin,
            now=NOW,
        )
    assert refused.value.field == "capacity"
    cohort.refresh_from_db()
    assert cohort.capacity == 5
    cohort_update(
        cohort=cohort,
        fields=fields(track, name=cohort.name, capacity=3),
        acting_user=admin,
        now=NOW,
    )
    cohort.refresh_from_db()
    assert cohort.capacity == 3


def test_the_track_stays_once_people_are_enrolled(admin, track):
    cohort = CohortFactory(track=track, start_date=date(2026, 12, 7))
    EnrollmentFactory(track=track, cohort=cohort)
    with pytest.raises(CohortError) as refused:
        cohort_update(
            cohort=cohort,
            fields=fields(TrackFactory(), name=cohort.name),
            acting_user=admin,
            now=NOW,
        )
    assert refused.value.field == "track"


def test_a_begun_cohort_keeps_its_start_date(admin, track):
    cohort = CohortFactory(track=track, start_date=date(2026, 11, 2))
    EnrollmentFactory(track=track, cohort=cohort)
    with pytest.raises(CohortError) as refused:
        cohort_update(
            cohort=cohort,
            fields=fields(track, name=cohort.name, start_date=date(2026, 12, 7)),
            acting_user=admin,
            now=NOW,
        )
    assert refused.value.field == "start_date"


def test_an_edit_is_audited_with_what_changed(admin, track):
    cohort = CohortFactory(track=track, name="Winter", start_date=date(2026, 12, 7), capacity=8)
    cohort_update(cohort=cohort, fields=fields(track, capacity=12), acting_user=admin, now=NOW)
    event = AuditEvent.objects.get(action="ops.cohort_updated")
    assert event.actor == admin
    assert event.metadata["changed"] == "capacity,meeting_time,meeting_weekday,timezone"


def test_a_clinician_added_to_a_cohort_follows_its_live_clients(admin, track):
    cohort = CohortFactory(track=track, name="Winter", start_date=date(2026, 12, 7))
    live = EnrollmentFactory(track=track, cohort=cohort, status=EnrollmentStatus.ACTIVE)
    gone = EnrollmentFactory(track=track, cohort=cohort, status=EnrollmentStatus.WITHDRAWN)
    lead = UserFactory(role=Role.CLINICIAN)
    cohort_update(
        cohort=cohort, fields=fields(track, clinicians=(lead,)), acting_user=admin, now=NOW
    )
    assert CareAssignment.objects.filter(
        clinician=lead, client=live.client, is_active=True
    ).exists()
    assert not CareAssignment.objects.filter(clinician=lead, client=gone.client).exists()
    assert AuditEvent.objects.filter(action="care.assignment_created", actor=admin).count() == 1


def test_a_clinician_removed_from_a_cohort_stops_following_its_clients_and_the_row_stays(
    admin, track
):
    lead, stays = UserFactory(role=Role.CLINICIAN), UserFactory(role=Role.CLINICIAN)
    cohort = CohortFactory(track=track, name="Winter", start_date=date(2026, 12, 7))
    client = EnrollmentFactory(track=track, cohort=cohort).client
    cohort_update(
        cohort=cohort, fields=fields(track, clinicians=(lead, stays)), acting_user=admin, now=NOW
    )
    cohort_update(
        cohort=cohort, fields=fields(track, clinicians=(stays,)), acting_user=admin, now=NOW
    )
    ended = CareAssignment.objects.get(clinician=lead, client=client)
    assert ended.is_active is False and ended.ended_at == NOW
    assert CareAssignment.objects.get(clinician=stays, client=client).is_active
    assert AuditEvent.objects.filter(action="care.assignment_ended", actor=admin).count() == 1
    event = AuditEvent.objects.filter(action="ops.cohort_updated").latest("pk")
    assert event.metadata["clinicians_removed"] == str(lead.pk)
    assert event.metadata["assignments_ended"] == 1


def test_a_removed_clinician_keeps_a_client_they_lead_in_another_cohort(admin, track):
    lead = UserFactory(role=Role.CLINICIAN)
    cohort = CohortFactory(track=track, name="Winter", start_date=date(2026, 12, 7))
    client = UserFactory(role=Role.CLIENT)
    EnrollmentFactory(client=client, track=track, cohort=cohort, status=EnrollmentStatus.COMPLETED)
    other_track = TrackFactory()
    other = CohortFactory(track=other_track)
    other.clinicians.add(lead)
    EnrollmentFactory(client=client, track=other_track, cohort=other)
    cohort_update(
        cohort=cohort, fields=fields(track, clinicians=(lead,)), acting_user=admin, now=NOW
    )
    CareAssignment.objects.get_or_create(clinician=lead, client=client, is_active=True)
    cohort_update(cohort=cohort, fields=fields(track, clinicians=()), acting_user=admin, now=NOW)
    assert CareAssignment.objects.get(clinician=lead, client=client).is_active


def test_ops_subscribes_to_clients_joining_a_cohort():
    assert cohort_clinicians_follow_enrollment in subscribers(EnrollmentJoinedCohort)


def test_a_client_enrolled_into_a_cohort_later_is_followed_by_its_clinicians(admin, track):
    lead = UserFactory(role=Role.CLINICIAN)
    cohort = CohortFactory(track=track, start_date=date(2026, 12, 7))
    cohort.clinicians.add(lead)
    client = UserFactory(role=Role.CLIENT)
    enrollment_create(client=client, track=track, cohort=cohort, acting_user=admin, now=NOW)
    assignment = CareAssignment.objects.get(clinician=lead, client=client)
    assert assignment.is_active
    assert AuditEvent.objects.filter(
        action="care.assignment_created", actor=admin, target_id=str(assignment.pk)
    ).exists()


def test_a_client_placed_in_a_cohort_on_payment_is_followed_by_its_clinicians(track):
    lead = UserFactory(role=Role.SUPERVISOR)
    cohort = CohortFactory(track=track, start_date=date(2026, 12, 7))
    cohort.clinicians.add(lead)
    client = UserFactory(role=Role.CLIENT)
    pending = enrollment_create(
        client=client,
        track=track,
        start_date=date(2026, 11, 20),
        status=EnrollmentStatus.PENDING_PAYMENT,
        now=NOW,
    )
    assert not CareAssignment.objects.exists()
    placed = enrollment_place(enrollment=pending, now=NOW)
    assert placed.cohort_id == cohort.pk
    assert CareAssignment.objects.get(clinician=lead, client=client).is_active


def test_rolling_enrollment_assigns_no_one(track):
    lead = UserFactory(role=Role.CLINICIAN)
    CohortFactory(track=track, start_date=date(2026, 12, 7)).clinicians.add(lead)
    enrollment_create(
        client=UserFactory(role=Role.CLIENT), track=track, start_date=date(2026, 11, 20), now=NOW
    )
    assert not CareAssignment.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lowering_capacity_while_a_client_is_placed_never_overfills_the_cohort():
    """An administrator lowers the capacity to the seats taken while a payment places a client
    in the cohort's last seat: the cohort row lock lets one of them win, never both."""
    admin = UserFactory(role=Role.ADMIN)
    track = TrackFactory(weeks=12)
    cohort = CohortFactory(track=track, name="Winter", start_date=date(2026, 12, 7), capacity=2)
    EnrollmentFactory(track=track, cohort=cohort, status=EnrollmentStatus.ACTIVE)
    pending = enrollment_create(
        client=UserFactory(role=Role.CLIENT),
        track=track,
        start_date=date(2026, 11, 20),
        status=EnrollmentStatus.PENDING_PAYMENT,
        now=NOW,
    )
    actions = [
        lambda: cohort_update(
            cohort=cohort, fields=fields(track, capacity=1), acting_user=admin, now=NOW
        ),
        lambda: _place_and_activate(pending),
    ]

    errors = run_at_once(lambda: actions.pop()())
    cohort.refresh_from_db()
    taken = cohort_seats_taken(cohort=cohort)
    assert taken <= cohort.capacity
    if cohort.capacity == 1:  # the administrator went first: the client goes on rolling
        assert not errors and taken == 1
    else:  # the client took the seat: the lower capacity was refused
        assert taken == 2 and len(errors) == 1 and isinstance(errors[0], CohortError)


@transaction.atomic
def _place_and_activate(enrollment):
    placed = enrollment_place(enrollment=enrollment, now=NOW)
    enrollment_activate(enrollment=placed, acting_user=None, now=NOW)
