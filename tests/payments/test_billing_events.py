"""Installments, failures, cancellations, refunds and disputes, from real-shape events in both
API versions; out-of-order delivery ends in the right state."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from courses.services.enrollment import enrollment_create
from payments.models import (
    BillingAccount,
    BillingState,
    CheckoutSession,
    Payment,
    Plan,
    StripeEvent,
)
from payments.services.webhooks import stripe_event_process, stripe_event_store
from tests.factories import make_track

from .stripe_events import LEGACY, load, with_reference

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SUB = load("customer.subscription.created")["data"]["object"]["id"]


def make_account(client, *, kind="installments", installments=3):
    """A client waiting for payment on the plan the events pay for (stripe_events/README.md:
    450.00 in full, or 150.00 a month for three months), with an open checkout."""
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(
        track=track, slug=f"p-{kind}", kind=kind, installments=installments,
        amount=Decimal("450.00" if kind == "full" else "150.00"),
    )  # fmt: skip
    enrollment = enrollment_create(
        client=client,
        track=track,
        start_date=date(2026, 11, 24),
        status="pending_payment",
        now=NOW,
    )
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    return CheckoutSession.objects.create(account=account)


def deliver(event: dict, checkout=None, *, event_id=None):
    """Store and process one event as the webhook and the worker would."""
    event = json.loads(json.dumps(event))
    if checkout is not None:
        event = with_reference(event, checkout.reference)
    if event_id:
        event["id"] = event_id
    row, _ = stripe_event_store(event=event)
    return stripe_event_process(event_row_id=row.pk, now=NOW)


def state():
    return BillingAccount.objects.get().state


@pytest.fixture
def checkout(db, client_a):
    return make_account(client_a)


def test_the_first_invoice_and_the_completion_in_either_order_end_current(checkout):
    deliver(load("invoice.paid.subscription_create"), checkout)
    deliver(load("checkout.session.completed.subscription"), checkout)
    account = BillingAccount.objects.select_related("enrollment").get()
    assert account.state == BillingState.INSTALLMENTS_CURRENT
    assert account.paid_installments == 1
    assert account.enrollment.status == "active"
    assert account.stripe_subscription_id == SUB


def test_completion_then_first_invoice_ends_the_same(checkout):
    deliver(load("checkout.session.completed.subscription"), checkout)
    deliver(load("invoice.paid.subscription_create"), checkout)
    assert state() == BillingState.INSTALLMENTS_CURRENT
    assert BillingAccount.objects.get().paid_installments == 1


def test_a_failed_installment_is_past_due_and_a_payment_brings_it_back(checkout):
    deliver(load("checkout.session.completed.subscription"), checkout)
    deliver(load("invoice.paid.subscription_create"), checkout)
    deliver(load("invoice.payment_failed.subscription_cycle"), checkout)
    assert state() == BillingState.PAST_DUE
    deliver(load("invoice.paid.subscription_cycle"), checkout)
    assert state() == BillingState.INSTALLMENTS_CURRENT
    assert BillingAccount.objects.get().paid_installments == 2


def test_the_last_installment_makes_it_paid_in_full_and_ends_the_subscription(
    checkout, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from payments import stripe_client

    settings.STRIPE_ENABLED = True  # while it is off, the subscription stays marked to end
    cancelled = []
    monkeypatch.setattr(stripe_client, "subscription_cancel", cancelled.append)
    deliver(load("checkout.session.completed.subscription"), checkout)  # the first of three
    assert BillingAccount.objects.get().paid_installments == 1
    invoice = load("invoice.paid.subscription_cycle")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            event = json.loads(json.dumps(invoice))
            event["data"]["object"]["id"] = f"in_test_{n}"
            deliver(event, checkout, event_id=f"evt_test_{n}")
    assert state() == BillingState.PAID_IN_FULL
    assert BillingAccount.objects.get().paid_installments == 3
    assert cancelled == [SUB]
    # Stripe then reports the subscription deleted: paid in full stays paid in full.
    deliver(load("customer.subscription.deleted"), checkout)
    assert state() == BillingState.PAID_IN_FULL


def test_a_subscription_deleted_for_failed_payments_cancels_billing(checkout):
    deliver(load("checkout.session.completed.subscription"), checkout)
    deliver(load("customer.subscription.updated.past_due"), checkout)
    assert state() == BillingState.PAST_DUE
    deliver(load("customer.subscription.deleted"), checkout)
    assert state() == BillingState.CANCELLED


def test_an_update_that_arrives_before_anything_else_is_harmless(checkout):
    deliver(load("customer.subscription.updated.past_due"), checkout)
    deliver(load("checkout.session.completed.subscription"), checkout)
    deliver(load("invoice.paid.subscription_create"), checkout)
    assert state() == BillingState.INSTALLMENTS_CURRENT


def test_a_metadata_only_update_changes_nothing(checkout):
    deliver(load("checkout.session.completed.subscription"), checkout)
    deliver(load("customer.subscription.updated.metadata"), checkout)
    assert state() == BillingState.INSTALLMENTS_CURRENT


@pytest.mark.parametrize(
    "name", ["checkout.session.completed.subscription", "invoice.paid.subscription_create",
             "invoice.paid.subscription_cycle", "invoice.payment_failed.subscription_cycle",
             "customer.subscription.created", "customer.subscription.updated.active",
             "customer.subscription.updated.metadata",
             "customer.subscription.updated.cancel_at_period_end",
             "customer.subscription.updated.past_due", "customer.subscription.deleted"],
)  # fmt: skip
def test_legacy_acacia_events_are_read_too(db, client_a, name):
    checkout = make_account(client_a)
    deliver(load("checkout.session.completed.subscription"), checkout)
    deliver(load("invoice.paid.subscription_create"), checkout)
    result = deliver(load(name, LEGACY), checkout, event_id=f"evt_legacy_{name}")
    assert result in (StripeEvent.Status.PROCESSED, None)
    expected = {
        "invoice.payment_failed.subscription_cycle": BillingState.PAST_DUE,
        "customer.subscription.updated.past_due": BillingState.PAST_DUE,
        "customer.subscription.deleted": BillingState.CANCELLED,
    }.get(name, BillingState.INSTALLMENTS_CURRENT)
    assert state() == expected
    paid = 2 if name == "invoice.paid.subscription_cycle" else 1  # the first one is not repaid
    assert BillingAccount.objects.get().paid_installments == paid


@pytest.fixture
def paid_once(db, client_a):
    checkout = make_account(client_a, kind="full", installments=1)
    deliver(load("checkout.session.completed.payment"), checkout)
    return checkout


def test_a_partial_refund_records_the_amount_and_keeps_access(paid_once):
    deliver(load("charge.refunded.partial"))  # 150.00 of 450.00
    payment = Payment.objects.get()
    assert payment.refunded_amount == Decimal("150.00")
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert state() == BillingState.PAID_IN_FULL


def test_a_full_refund_moves_billing_to_refunded_and_touches_no_clinical_record(paid_once):
    from courses.models import Enrollment

    deliver(load("charge.refunded.partial"))
    deliver(load("charge.refunded.full"))
    deliver(load("charge.refunded.partial"), event_id="evt_late_partial")  # late, older
    assert Payment.objects.get().status == Payment.Status.REFUNDED
    assert state() == BillingState.REFUNDED
    assert Enrollment.objects.get().status == "active"  # clinical access is not billing's call


def test_a_dispute_marks_billing_disputed_and_tells_billing_staff_and_admins(
    paid_once, billing_user, admin_user
):
    from notifications.models import Kind, Notification

    deliver(load("charge.dispute.created.inquiry"))
    deliver(load("charge.dispute.created.inquiry"))  # Stripe retries: once is enough
    assert state() == BillingState.DISPUTED
    assert Payment.objects.get().status == Payment.Status.DISPUTED
    alerted = set(
        Notification.objects.filter(kind=Kind.BILLING_ALERT).values_list("user_id", flat=True)
    )
    assert alerted == {billing_user.pk, admin_user.pk}


def test_a_manual_invoice_with_no_subscription_of_ours_is_ignored(paid_once):
    assert deliver(load("invoice.paid.manual_no_subscription")) == StripeEvent.Status.IGNORED
    assert state() == BillingState.PAID_IN_FULL
