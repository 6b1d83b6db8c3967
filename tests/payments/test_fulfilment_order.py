"""The success page and the webhook share one fulfilment: either may come first, and the
enrollment is granted once. Plans sync through the real SDK to the fake Stripe."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from courses.services.enrollment import enrollment_create
from notifications.models import Kind, Notification
from payments.models import BillingAccount, BillingState, Plan
from payments.services.checkout import checkout_confirm, checkout_prepare, checkout_start
from payments.services.webhooks import stripe_event_process, stripe_event_store
from tests.factories import UserFactory, make_track

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in New York


@pytest.fixture
def stripe_on(settings, fake_stripe):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    return fake_stripe


@pytest.fixture
def plan(db, stripe_on):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    Plan.objects.create(track=track, slug="o-full", kind="full", amount=Decimal("30.00"))
    call_command("stripe_sync_plans", stdout=StringIO())
    return Plan.objects.get(slug="o-full")


def start(user, plan, now=NOW):
    session = checkout_prepare(user=user, plan=plan, now=now)
    checkout_start(session=session, success_url="https://x/ok", cancel_url="https://x/no")
    session.refresh_from_db()
    return session


def webhook_event(fake, session):
    data = fake.checkout_sessions[session.stripe_session_id]
    return {
        "id": f"evt_{session.pk}",
        "object": "event",
        "type": "checkout.session.completed",
        "livemode": False,
        "data": {"object": json.loads(json.dumps(data))},
    }


def grants():
    account = BillingAccount.objects.get()
    return (
        account.changes.count(),
        Notification.objects.filter(kind=Kind.WELCOME).count(),
        account.state,
    )


def test_sync_plans_gives_every_plan_a_price_once(plan, stripe_on):
    assert plan.stripe_price_id
    call_command("stripe_sync_plans", stdout=StringIO())
    assert len(stripe_on.prices) == 1


def test_success_page_first_then_webhook(plan, stripe_on):
    session = start(UserFactory(), plan)
    stripe_on.complete_session(session.stripe_session_id, paid=True)
    assert checkout_confirm(session=session, now=NOW) is True
    row, _ = stripe_event_store(event=webhook_event(stripe_on, session))
    stripe_event_process(event_row_id=row.pk, now=NOW)
    assert grants() == (1, 1, BillingState.PAID_IN_FULL)


def test_webhook_first_then_success_page(plan, stripe_on):
    session = start(UserFactory(), plan)
    stripe_on.complete_session(session.stripe_session_id, paid=True)
    row, _ = stripe_event_store(event=webhook_event(stripe_on, session))
    stripe_event_process(event_row_id=row.pk, now=NOW)
    session.refresh_from_db()
    assert checkout_confirm(session=session, now=NOW) is True
    assert grants() == (1, 1, BillingState.PAID_IN_FULL)


def test_an_unpaid_session_is_not_granted_by_the_success_page(plan, stripe_on):
    session = start(UserFactory(), plan)
    assert checkout_confirm(session=session, now=NOW) is False
    assert BillingAccount.objects.get().state == BillingState.AWAITING_PAYMENT


def test_a_returning_client_keeps_one_stripe_customer(plan, stripe_on, client_a):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    other = Plan.objects.create(track=track, slug="o2-full", kind="full", amount=Decimal("10"))
    earlier = enrollment_create(
        client=client_a, track=plan.track, start_date=date(2026, 11, 2), now=NOW
    )
    BillingAccount.objects.create(enrollment=earlier, plan=plan, stripe_customer_id="cus_kept")
    session = checkout_prepare(user=client_a, plan=other, now=NOW)
    assert session.account.stripe_customer_id == "cus_kept"


def test_cancelling_closes_the_stripe_page_and_a_late_payment_grants_nothing(plan, stripe_on):
    from payments.services.checkout import checkout_cancel, checkout_fulfil

    session = start(UserFactory(role="client"), plan)
    checkout_cancel(session=session, now=NOW)
    assert stripe_on.checkout_sessions[session.stripe_session_id]["status"] == "expired"
    # Even a payment that slipped through is not granted silently: staff are told.
    billing = UserFactory(role="billing")
    paid = {
        **stripe_on.checkout_sessions[session.stripe_session_id],
        "status": "complete",
        "payment_status": "paid",
        "client_reference_id": session.reference,
    }
    checkout_fulfil(session=paid, now=NOW)
    account = BillingAccount.objects.select_related("enrollment").get()
    assert account.enrollment.status == "cancelled"
    assert account.state == BillingState.AWAITING_PAYMENT
    assert not Notification.objects.filter(kind=Kind.WELCOME).exists()
    assert Notification.objects.filter(kind=Kind.BILLING_ALERT, user=billing).exists()
    assert checkout_confirm(session=session, now=NOW) is False


def test_the_welcome_says_when_the_first_week_opens(plan, stripe_on, client, signed_in):
    import time_machine
    from django.urls import reverse

    user = UserFactory(role="client")
    # 01:30 UTC is 20:30 the evening before in New York: week 1 opens the next morning.
    with time_machine.travel("2026-11-24 01:30:00Z", tick=False):
        session = start(user, plan, now=datetime(2026, 11, 24, 1, 30, tzinfo=UTC))
        stripe_on.complete_session(session.stripe_session_id, paid=True)
        signed_in(user)
        body = client.get(reverse("join:done", args=[session.reference])).content.decode()
    assert "You're enrolled" in body
    assert "Your first week is ready" in body


def test_the_welcome_gives_the_time_when_week_one_is_not_open_yet(
    plan, stripe_on, client, signed_in
):
    import time_machine
    from django.urls import reverse

    user = UserFactory(role="client")
    # 10:00 UTC is 05:00 in New York: week 1 opens at 06:00 today.
    with time_machine.travel("2026-11-24 10:00:00Z", tick=False):
        session = start(user, plan, now=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
        stripe_on.complete_session(session.stripe_session_id, paid=True)
        signed_in(user)
        body = client.get(reverse("join:done", args=[session.reference])).content.decode()
    assert "Your first week opens on Tuesday, November 24 at 6:00 AM" in body
