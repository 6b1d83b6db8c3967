"""No call to Stripe while a row lock is held: every path that talks to Stripe (syncing plans,
choosing a plan, the success page, fulfilment closing other checkouts, the last installment
ending the subscription, a refund, "update card", leaving Checkout, reconciliation) runs here
against the fake Stripe with real transactions, and each call is checked
(tests/payments/lock_watch.py)."""

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from payments import stripe_client
from payments.models import BillingAccount, BillingState, CheckoutSession, Payment, Plan
from payments.services.checkout import (
    checkout_cancel,
    checkout_confirm,
    checkout_prepare,
    checkout_start,
)
from payments.services.reconciliation import billing_reconcile
from payments.services.staff import billing_refund
from payments.services.webhooks import stripe_event_process, stripe_event_store
from tests.factories import EnrollmentFactory, UserFactory, make_track

from .lock_watch import stripe_calls, watching_stripe_calls_and_row_locks

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plans(settings, fake_stripe):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    monthly = Plan.objects.create(
        track=track, slug="l-monthly", kind="installments", installments=3, amount=Decimal("10")
    )
    full = Plan.objects.create(track=track, slug="l-full", kind="full", amount=Decimal("30"))
    call_command("stripe_sync_plans", stdout=StringIO())
    monthly.refresh_from_db()
    full.refresh_from_db()
    return monthly, full


def choose(user, plan) -> CheckoutSession:
    session = checkout_prepare(user=user, plan=plan, now=NOW)
    checkout_start(session=session, success_url="https://x/ok", cancel_url="https://x/no")
    session.refresh_from_db()
    return session


def deliver(fake, type_, obj) -> None:
    row, _ = stripe_event_store(event=fake.event(type_, obj))
    stripe_event_process(event_row_id=row.pk, now=NOW)


def test_the_watch_sees_a_stripe_call_under_a_row_lock_and_only_then(db, settings):
    """The check itself: a call inside a transaction that locked a row is caught; one before
    the lock, after the commit, or in a later transaction that locked nothing is not."""
    settings.STRIPE_ENABLED = False  # the calls are refused before anything is sent
    track = make_track(weeks=1, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(track=track, slug="w-full", kind="full", amount=Decimal("5"))
    enrollment = EnrollmentFactory(track=track, start_date=date(2026, 11, 2))
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)

    def expire():
        with contextlib.suppress(stripe_client.StripeDisabled):
            stripe_client.checkout_session_expire("cs_test")

    with watching_stripe_calls_and_row_locks() as watch:
        with transaction.atomic():
            expire()  # before the lock
            BillingAccount.objects.select_for_update().get(pk=account.pk)
            expire()  # under it
            transaction.on_commit(expire)  # after the commit
        with transaction.atomic():
            BillingAccount.objects.get(pk=account.pk)
            expire()  # a later transaction with no lock
    assert [locked for _, locked in watch.calls] == [False, True, False, False]
    assert watch.under_lock == ["checkout_session_expire"]


def test_every_function_that_talks_to_stripe_is_watched():
    assert stripe_calls() == [
        "checkout_session_create",
        "checkout_session_expire",
        "checkout_session_retrieve",
        "paid_invoices",
        "plan_sync",
        "portal_session_create",
        "refund_create",
        "subscription_cancel",
        "subscription_retrieve",
        "undelivered_events",
    ]


def test_choosing_paying_and_every_installment_call_stripe_outside_any_lock(plans, fake_stripe):
    monthly, full = plans
    user = UserFactory(role="client")
    with watching_stripe_calls_and_row_locks() as watch:
        choose(user, monthly)
        choose(user, full)  # closes the monthly checkout at Stripe after commit
        chosen = choose(user, monthly)  # closes the pay-in-full one
        fake_stripe.complete_session(chosen.stripe_session_id, paid=True)
        assert checkout_confirm(session=chosen, now=NOW) is True  # the success page
        stripe_session = fake_stripe.checkout_sessions[chosen.stripe_session_id]
        deliver(fake_stripe, "checkout.session.completed", stripe_session)
        deliver(fake_stripe, "invoice.paid", fake_stripe.invoices[stripe_session["invoice"]])
        subscription = stripe_session["subscription"]
        for _ in range(2):  # the last installment ends the subscription after commit
            deliver(fake_stripe, "invoice.paid", fake_stripe.renew_subscription(subscription))
    assert BillingAccount.objects.get().state == BillingState.PAID_IN_FULL
    assert fake_stripe.subscriptions[subscription]["status"] == "canceled"
    assert {
        "checkout_session_create",
        "checkout_session_expire",
        "checkout_session_retrieve",
        "subscription_cancel",
    } <= set(watch.called)
    assert watch.locks, "the flow took row locks"
    assert watch.under_lock == []


def test_syncing_plans_a_refund_update_card_and_leaving_checkout_call_stripe_outside_locks(
    plans, fake_stripe, client
):
    monthly, full = plans
    user = UserFactory(role="client")
    staff = UserFactory(role="billing")
    other = UserFactory(role="client")
    with watching_stripe_calls_and_row_locks() as watch:
        call_command("stripe_sync_plans", stdout=StringIO())
        chosen = choose(user, full)
        fake_stripe.complete_session(chosen.stripe_session_id, paid=True)
        deliver(
            fake_stripe,
            "checkout.session.completed",
            fake_stripe.checkout_sessions[chosen.stripe_session_id],
        )
        billing_refund(
            payment=Payment.objects.get(), amount="5.00", reason="goodwill", key="k",
            acting_user=staff, now=NOW,
        )  # fmt: skip
        client.force_login(user)
        assert client.post(reverse("my_billing:portal")).status_code == 302
        left = choose(other, monthly)
        checkout_cancel(session=left, now=NOW)
    assert {
        "plan_sync",
        "checkout_session_create",
        "checkout_session_expire",
        "refund_create",
        "portal_session_create",
    } <= set(watch.called)
    assert watch.under_lock == []


def test_reconciliation_calls_stripe_outside_any_lock(plans, fake_stripe, monkeypatch):
    monthly, _full = plans
    user = UserFactory(role="client")
    chosen = choose(user, monthly)
    fake_stripe.complete_session(chosen.stripe_session_id, paid=True)
    stripe_session = fake_stripe.checkout_sessions[chosen.stripe_session_id]
    deliver(fake_stripe, "checkout.session.completed", stripe_session)
    subscription = stripe_session["subscription"]
    # Two more months were paid that we never heard about, and one event was not delivered;
    # the fake has no invoice or event listing, so those two answers are Stripe's as stubs.
    missed = [fake_stripe.renew_subscription(subscription) for _ in range(2)]
    monkeypatch.setattr(stripe_client, "paid_invoices", lambda sub: missed)
    monkeypatch.setattr(
        stripe_client,
        "undelivered_events",
        lambda since: [fake_stripe.event("customer.subscription.updated", {"id": subscription})],
    )
    with watching_stripe_calls_and_row_locks() as watch:
        report = billing_reconcile(now=NOW)
    assert report["invoices"] == 2  # the second is the last: the subscription ends after commit
    assert fake_stripe.subscriptions[subscription]["status"] == "canceled"
    assert {"undelivered_events", "paid_invoices", "subscription_retrieve"} <= set(watch.called)
    assert "subscription_cancel" in watch.called
    assert watch.under_lock == []
