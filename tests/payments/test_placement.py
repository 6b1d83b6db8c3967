"""Placement at fulfilment: the next cohort with a free seat, or rolling enrollment; the seat
cap holds under concurrency."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Enrollment, EnrollmentStatus
from courses.services.enrollment import enrollment_create
from payments.models import BillingAccount, CheckoutSession, Plan
from payments.services import checkout_fulfil
from tests.conftest import run_at_once
from tests.factories import CohortFactory, UserFactory, make_track


def pending_checkouts(track, plan, n):
    sessions = []
    for _ in range(n):
        enrollment = enrollment_create(
            client=UserFactory(), track=track, start_date=date.today(), status="pending_payment"
        )
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
    today = timezone.localdate()
    full = CohortFactory(track=track, start_date=today + timedelta(days=3), capacity=1)
    later = CohortFactory(track=track, start_date=today + timedelta(days=10), capacity=5)
    first, second = pending_checkouts(track, plan, 2)
    checkout_fulfil(session=paid(first))
    checkout_fulfil(session=paid(second))
    assert Enrollment.objects.get(billing__checkout_sessions=first).cohort == full
    assert Enrollment.objects.get(billing__checkout_sessions=second).cohort == later


def test_with_no_cohort_seat_it_is_rolling_from_today(setup):
    track, plan = setup
    (session,) = pending_checkouts(track, plan, 1)
    checkout_fulfil(session=paid(session))
    enrollment = Enrollment.objects.get()
    assert enrollment.cohort is None
    assert enrollment.start_date == timezone.localdate()
    assert enrollment.status == EnrollmentStatus.ACTIVE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_checkouts_for_the_last_seat_place_one(db):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(track=track, slug="seat-full", kind="full", amount=Decimal("30"))
    cohort = CohortFactory(track=track, start_date=timezone.localdate() + timedelta(days=3),
                           capacity=1)  # fmt: skip
    sessions = pending_checkouts(track, plan, 20)
    queue = list(sessions)

    def fulfil_one():
        checkout_fulfil(session=paid(queue.pop()))

    errors = run_at_once(fulfil_one, times=20)
    assert not errors
    assert Enrollment.objects.filter(cohort=cohort).count() == 1
    assert Enrollment.objects.filter(cohort__isnull=True, status="active").count() == 19
