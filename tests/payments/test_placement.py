"""Placement at fulfilment: the next cohort with a free seat, or rolling enrollment; the seat
cap holds under concurrency."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from courses.models import Enrollment, EnrollmentStatus
from courses.services.enrollment import enrollment_create
from payments.models import BillingAccount, CheckoutSession, Plan
from payments.services.checkout import checkout_fulfil
from tests.conftest import run_at_once
from tests.factories import CohortFactory, UserFactory, make_track

# Monday 2026-11-30, 01:30 UTC: still Sunday the 29th, 8:30 pm, for a client in New York.
NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
CLIENT_TODAY = date(2026, 11, 29)


def pending_checkouts(track, plan, n):
    sessions = []
    for _ in range(n):
        enrollment = enrollment_create(
            client=UserFactory(), track=track, start_date=CLIENT_TODAY, status="pending_payment",
            now=NOW,
        )  # fmt: skip
        account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
        sessions.append(CheckoutSession.objects.create(account=account))
    return sessions


def paid(session):
    return {
        "id": f"cs_test_{session.pk}",
        "object": "checkout.session",
        "client_reference_id": session.reference,
        "status": "complete",
        "payment_status": "paid",
        "mode": "payment",
        "payment_intent": f"pi_test_{session.pk}",
        "amount_total": 3000,
        "currency": "usd",
    }


@pytest.fixture
def setup(db):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(track=track, slug="seat-full", kind="full", amount=Decimal("30"))
    return track, plan


def test_a_paid_enrollment_joins_the_next_cohort_with_a_seat(setup):
    track, plan = setup
    earlier = CohortFactory(track=track, start_date=CLIENT_TODAY - timedelta(days=1), capacity=5)
    full = CohortFactory(track=track, start_date=CLIENT_TODAY + timedelta(days=3), capacity=1)
    later = CohortFactory(track=track, start_date=CLIENT_TODAY + timedelta(days=10), capacity=5)
    first, second = pending_checkouts(track, plan, 2)
    checkout_fulfil(session=paid(first), now=NOW)
    checkout_fulfil(session=paid(second), now=NOW)
    assert not Enrollment.objects.filter(cohort=earlier).exists()  # it has already begun
    assert Enrollment.objects.get(billing__checkout_sessions=first).cohort == full
    assert Enrollment.objects.get(billing__checkout_sessions=second).cohort == later


def test_with_no_cohort_seat_it_is_rolling_from_the_client_s_own_today(setup):
    track, plan = setup
    (session,) = pending_checkouts(track, plan, 1)
    checkout_fulfil(session=paid(session), now=NOW)
    enrollment = Enrollment.objects.get()
    assert enrollment.cohort is None
    assert enrollment.start_date == CLIENT_TODAY  # not the UTC date, the 30th
    assert enrollment.status == EnrollmentStatus.ACTIVE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_checkouts_for_the_last_seat_place_one(db):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(track=track, slug="seat-full", kind="full", amount=Decimal("30"))
    cohort = CohortFactory(track=track, start_date=CLIENT_TODAY + timedelta(days=3), capacity=1)
    sessions = pending_checkouts(track, plan, 20)
    queue = list(sessions)

    def fulfil_one():
        checkout_fulfil(session=paid(queue.pop()), now=NOW)

    errors = run_at_once(fulfil_one, times=20)
    assert not errors
    assert Enrollment.objects.filter(cohort=cohort).count() == 1
    assert Enrollment.objects.filter(cohort__isnull=True, status="active").count() == 19
