"""Daily reconciliation repairs drift from Stripe's side, and a second run changes nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from courses.services.enrollment import enrollment_create
from payments import stripe_client
from payments.models import BillingAccount, BillingState, Payment, Plan, StripeEvent
from payments.services.reconciliation import billing_reconcile
from tests.factories import make_track

from .stripe_events import load

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUB = load("customer.subscription.created")["data"]["object"]["id"]


@pytest.fixture
def account(db, client_a):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(
        track=track, slug="r-monthly", kind="installments", installments=3, amount=Decimal("150")
    )
    enrollment = enrollment_create(
        client=client_a, track=track, start_date=date(2026, 11, 2), now=NOW
    )
    account = BillingAccount.objects.create(
        enrollment=enrollment, plan=plan, state=BillingState.INSTALLMENTS_CURRENT,
        stripe_subscription_id=SUB, paid_installments=1,
    )  # fmt: skip
    Payment.objects.create(account=account, stripe_invoice_id="in_known", amount=Decimal("150"))
    return account


@pytest.fixture
def stripe_side(monkeypatch, settings):
    """What Stripe reports, at the one module that talks to it (switched on: reconciliation
    does nothing while it is off, tests/payments/test_stripe_switched_off.py)."""
    settings.STRIPE_ENABLED = True
    missed_invoice = load("invoice.paid.subscription_cycle")["data"]["object"]
    missed_invoice["id"] = "in_missed"
    state = {
        "invoices": [missed_invoice, {**missed_invoice, "id": "in_known"}],
        "subscription": {**load("customer.subscription.updated.past_due")["data"]["object"]},
        "events": [],
        "cancelled": [],
    }
    state["subscription"]["status"] = "active"
    monkeypatch.setattr(stripe_client, "paid_invoices", lambda sub: state["invoices"])
    monkeypatch.setattr(stripe_client, "subscription_retrieve", lambda sub: state["subscription"])
    monkeypatch.setattr(stripe_client, "undelivered_events", lambda since: state["events"])
    monkeypatch.setattr(stripe_client, "subscription_cancel", state["cancelled"].append)
    return state


def test_a_paid_invoice_we_never_heard_about_is_recorded_once(account, stripe_side):
    first = billing_reconcile(now=NOW)
    assert first["invoices"] == 1
    account.refresh_from_db()
    assert account.paid_installments == 2
    second = billing_reconcile(now=NOW)
    assert second == {"events": 0, "subscriptions": 0, "invoices": 0, "retried": 0, "ended": 0}
    assert Payment.objects.count() == 2


def test_a_subscription_cancelled_at_stripe_cancels_billing_here(account, stripe_side):
    stripe_side["invoices"] = []
    stripe_side["subscription"]["status"] = "canceled"
    assert billing_reconcile(now=NOW)["subscriptions"] == 1
    account.refresh_from_db()
    assert account.state == BillingState.CANCELLED
    assert billing_reconcile(now=NOW)["subscriptions"] == 0


def test_an_event_stripe_failed_to_deliver_is_applied_once(account, stripe_side):
    stripe_side["invoices"] = []
    stripe_side["subscription"]["status"] = "past_due"  # what Stripe says after the failure
    failed = load("invoice.payment_failed.subscription_cycle")
    stripe_side["events"] = [failed]
    assert billing_reconcile(now=NOW)["events"] == 1
    account.refresh_from_db()
    assert account.state == BillingState.PAST_DUE
    assert StripeEvent.objects.count() == 1
    assert billing_reconcile(now=NOW)["events"] == 0


def test_an_undelivered_event_that_is_malformed_is_skipped_and_logged_never_stored(
    account, stripe_side, caplog
):
    """Events fetched from Stripe pass the same envelope check as the webhook's."""
    stripe_side["invoices"] = []
    stripe_side["subscription"]["status"] = "past_due"
    failed = load("invoice.payment_failed.subscription_cycle")
    no_object = {**load("invoice.paid.subscription_cycle"), "id": "evt_no_object"}
    no_object["data"] = {"object": "in_only_an_id"}
    nul = {**load("invoice.paid.subscription_cycle"), "id": "evt_nul"}
    nul["data"] = {"object": {**nul["data"]["object"], "id": "in_\x00"}}
    not_an_event = {**failed, "object": "invoice", "id": "evt_not_an_event"}
    stripe_side["events"] = [no_object, nul, not_an_event, failed]
    with caplog.at_level("WARNING", logger="payments.services.reconciliation"):
        assert billing_reconcile(now=NOW)["events"] == 1
    assert list(StripeEvent.objects.values_list("event_id", flat=True)) == [failed["id"]]
    skipped = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(skipped) == 3
    account.refresh_from_db()
    assert account.state == BillingState.PAST_DUE


def test_the_last_installment_found_by_reconciliation_ends_the_subscription(
    account, stripe_side, settings
):
    account.paid_installments = 2
    account.save()
    Payment.objects.create(account=account, stripe_invoice_id="in_second", amount=Decimal("150"))
    billing_reconcile(now=NOW)
    account.refresh_from_db()
    assert account.state == BillingState.PAID_IN_FULL
    assert stripe_side["cancelled"] == [SUB]
    assert account.subscription_end_pending is False
