"""A payment grants exactly what its own checkout was for: the plan, mode
and amount a checkout recorded when it was created, checked against what Stripe says was paid.
Choosing another plan closes the checkout left open; a payment that does not match, or a second
one for an account already paid for, grants nothing and goes to billing staff."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from notifications.models import Kind, Notification
from payments.models import BillingAccount, BillingState, CheckoutSession, Payment, Plan
from payments.services.checkout import (
    checkout_confirm,
    checkout_fulfil,
    checkout_prepare,
    checkout_start,
)
from payments.services.webhooks import stripe_event_process, stripe_event_store
from tests.factories import UserFactory, make_track

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in New York
C = CheckoutSession.Status


@pytest.fixture
def stripe_on(settings, fake_stripe):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    return fake_stripe


@pytest.fixture
def plans(db, stripe_on):
    """The program of the report: three monthly payments of 1,050.00, or 3,000.00 in full."""
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    Plan.objects.create(
        track=track, slug="t-monthly", kind="installments", installments=3,
        amount=Decimal("1050.00"),
    )  # fmt: skip
    Plan.objects.create(track=track, slug="t-full", kind="full", amount=Decimal("3000.00"))
    call_command("stripe_sync_plans", stdout=StringIO())
    return Plan.objects.get(slug="t-monthly"), Plan.objects.get(slug="t-full")


@pytest.fixture
def staff(db):
    return UserFactory(role="billing"), UserFactory(role="admin")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what each step leaves for after commit (Stripe calls), as a real commit would."""

    def run(step, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args, **kwargs)

    return run


def choose(user, plan, on_commit) -> CheckoutSession:
    """What choosing a plan does: prepare (closing earlier checkouts after commit), then start."""
    session = on_commit(checkout_prepare, user=user, plan=plan, now=NOW)
    checkout_start(session=session, success_url="https://x/ok", cancel_url="https://x/no")
    session.refresh_from_db()
    return session


def deliver(fake, type_, obj, on_commit):
    row, _ = stripe_event_store(event=fake.event(type_, obj))
    return on_commit(stripe_event_process, event_row_id=row.pk, now=NOW)


def completed(fake, session, on_commit):
    deliver(
        fake, "checkout.session.completed", fake.checkout_sessions[session.stripe_session_id],
        on_commit,
    )  # fmt: skip


def first_invoice_paid(fake, session, on_commit):
    invoice = fake.invoices[fake.checkout_sessions[session.stripe_session_id]["invoice"]]
    deliver(fake, "invoice.paid", invoice, on_commit)


def account() -> BillingAccount:
    return BillingAccount.objects.select_related("plan", "enrollment").get()


def paid_total() -> Decimal:
    return sum(Payment.objects.values_list("amount", flat=True), Decimal("0"))


@pytest.mark.parametrize(
    "order",
    ["completion, then the first invoice", "the first invoice, then completion",
     "the success page, the webhook, then the invoice"],
)  # fmt: skip
def test_paying_a_monthly_checkout_left_open_after_choosing_pay_in_full_buys_one_installment(
    plans, stripe_on, on_commit, order
):
    monthly, full = plans
    user = UserFactory(role="client")
    a = choose(user, monthly, on_commit)
    # The monthly page, left open in another tab, is paid just as the person chooses again:
    # Stripe then refuses to close it (it is complete), and the new checkout opens anyway.
    stripe_on.complete_session(a.stripe_session_id, paid=True)
    b = choose(user, full, on_commit)
    if order.startswith("completion"):
        completed(stripe_on, a, on_commit)
        first_invoice_paid(stripe_on, a, on_commit)
    elif order.startswith("the first invoice"):
        first_invoice_paid(stripe_on, a, on_commit)
        completed(stripe_on, a, on_commit)
    else:
        a.refresh_from_db()
        assert on_commit(checkout_confirm, session=a, now=NOW) is True
        completed(stripe_on, a, on_commit)
        first_invoice_paid(stripe_on, a, on_commit)

    billing = account()
    assert billing.state == BillingState.INSTALLMENTS_CURRENT
    assert billing.plan == monthly
    assert billing.paid_installments == 1
    assert billing.enrollment.status == "active"
    assert paid_total() == Decimal("1050.00")
    # The subscription goes on: two more months are owed.
    subscription = stripe_on.checkout_sessions[a.stripe_session_id]["subscription"]
    assert stripe_on.subscriptions[subscription]["status"] == "active"
    assert billing.subscription_end_pending is False
    assert billing.stripe_subscription_id == subscription
    # The pay-in-full checkout can no longer take money, here or at Stripe.
    b.refresh_from_db()
    assert b.status == C.EXPIRED
    assert stripe_on.checkout_sessions[b.stripe_session_id]["status"] == "expired"


def test_the_next_installments_are_counted_against_the_plan_that_was_bought(
    plans, stripe_on, on_commit
):
    monthly, full = plans
    user = UserFactory(role="client")
    a = choose(user, monthly, on_commit)
    stripe_on.complete_session(a.stripe_session_id, paid=True)
    choose(user, full, on_commit)
    completed(stripe_on, a, on_commit)
    subscription = stripe_on.checkout_sessions[a.stripe_session_id]["subscription"]
    deliver(stripe_on, "invoice.paid", stripe_on.renew_subscription(subscription), on_commit)
    assert (account().state, account().paid_installments) == (BillingState.INSTALLMENTS_CURRENT, 2)
    deliver(stripe_on, "invoice.paid", stripe_on.renew_subscription(subscription), on_commit)
    assert (account().state, account().paid_installments) == (BillingState.PAID_IN_FULL, 3)
    assert paid_total() == Decimal("3150.00")
    assert stripe_on.subscriptions[subscription]["status"] == "canceled"  # ended once paid up


def test_choosing_another_plan_closes_the_checkout_left_open_here_and_at_stripe(
    plans, stripe_on, on_commit
):
    monthly, full = plans
    user = UserFactory(role="client")
    a = choose(user, monthly, on_commit)
    b = choose(user, full, on_commit)
    a.refresh_from_db()
    assert a.status == C.EXPIRED
    assert stripe_on.checkout_sessions[a.stripe_session_id]["status"] == "expired"
    assert stripe_on.checkout_sessions[b.stripe_session_id]["status"] == "open"
    with pytest.raises(ValueError, match="expired"):
        stripe_on.complete_session(a.stripe_session_id)  # the old page cannot be paid
    assert (b.plan, b.mode, b.amount, b.currency) == (full, "payment", Decimal("3000.00"), "usd")


def test_a_payment_that_does_not_match_its_checkout_grants_nothing_and_alerts_billing_staff(
    plans, stripe_on, staff, on_commit
):
    monthly, full = plans
    session = choose(UserFactory(role="client"), full, on_commit)
    stripe_on.complete_session(session.stripe_session_id, paid=True)
    paid = {**stripe_on.checkout_sessions[session.stripe_session_id], "amount_total": 105000}
    paid.pop("_price")
    for _attempt in range(2):  # the webhook, then the success page: decided once
        assert checkout_fulfil(session=paid, now=NOW).fulfilled_at is None
    billing = account()
    assert billing.state == BillingState.AWAITING_PAYMENT
    assert billing.enrollment.status == "pending_payment"
    session.refresh_from_db()
    assert session.status == C.UNMATCHED
    (audit,) = AuditEvent.objects.filter(action="billing.payment_mismatch")
    assert audit.metadata == {
        "checkout": session.pk, "why": "amount", "paid": "1050.00", "currency": "usd",
        "expected": "3000.00",
    }  # fmt: skip
    alerted = Notification.objects.filter(kind=Kind.BILLING_ALERT)
    assert {n.user_id for n in alerted} == {person.pk for person in staff}
    # The money is on record, so billing staff can refund it.
    assert Payment.objects.get().amount == Decimal("1050.00")
    assert checkout_confirm(session=session, now=NOW) is False


@pytest.mark.parametrize("field", ["mode", "currency"])
def test_a_payment_in_another_mode_or_currency_grants_nothing(
    plans, stripe_on, staff, on_commit, field
):
    monthly, full = plans
    session = choose(UserFactory(role="client"), full, on_commit)
    stripe_on.complete_session(session.stripe_session_id, paid=True)
    paid = dict(stripe_on.checkout_sessions[session.stripe_session_id])
    paid[field] = {"mode": "subscription", "currency": "eur"}[field]
    checkout_fulfil(session=paid, now=NOW)
    assert account().state == BillingState.AWAITING_PAYMENT
    assert AuditEvent.objects.get(action="billing.payment_mismatch").metadata["why"] == field


def test_a_second_checkout_paid_for_an_account_already_paid_grants_nothing_more(
    plans, stripe_on, staff, on_commit
):
    monthly, full = plans
    user = UserFactory(role="client")
    a = choose(user, monthly, on_commit)
    stripe_on.complete_session(a.stripe_session_id, paid=True)
    b = choose(user, full, on_commit)
    stripe_on.complete_session(b.stripe_session_id, paid=True)  # paid too, in the other tab
    completed(stripe_on, a, on_commit)
    completed(stripe_on, b, on_commit)
    billing = account()
    assert (billing.state, billing.plan) == (BillingState.INSTALLMENTS_CURRENT, monthly)
    b.refresh_from_db()
    assert (b.status, b.fulfilled_at) == (C.UNMATCHED, None)
    audit = AuditEvent.objects.get(action="billing.payment_mismatch")
    assert (audit.metadata["why"], audit.metadata["paid"]) == ("already_paid", "3000.00")
    assert Notification.objects.filter(kind=Kind.BILLING_ALERT, user=staff[0]).exists()
    assert paid_total() == Decimal("4050.00")  # both recorded: billing staff refund one


def test_the_invoices_of_a_subscription_that_granted_nothing_go_to_billing_staff(
    plans, stripe_on, staff, on_commit
):
    monthly, full = plans
    user = UserFactory(role="client")
    a = choose(user, full, on_commit)
    stripe_on.complete_session(a.stripe_session_id, paid=True)
    b = choose(user, monthly, on_commit)
    stripe_on.complete_session(b.stripe_session_id, paid=True)
    first_invoice_paid(stripe_on, b, on_commit)  # before anything is decided: it waits
    completed(stripe_on, a, on_commit)
    completed(stripe_on, b, on_commit)
    subscription = stripe_on.checkout_sessions[b.stripe_session_id]["subscription"]
    deliver(stripe_on, "invoice.paid", stripe_on.renew_subscription(subscription), on_commit)
    billing = account()
    assert (billing.state, billing.plan, billing.paid_installments) == (
        BillingState.PAID_IN_FULL, full, 0,
    )  # fmt: skip
    assert billing.stripe_subscription_id == ""
    whys = sorted(
        AuditEvent.objects.filter(action="billing.payment_mismatch").values_list(
            "metadata__why", flat=True
        )
    )
    assert whys == ["already_paid", "not_granted"]
    assert paid_total() == Decimal("5100.00")


def test_an_installment_charged_after_the_last_one_is_put_to_billing_staff(
    plans, stripe_on, staff, on_commit, monkeypatch
):
    from payments import stripe_client

    monthly, full = plans
    session = choose(UserFactory(role="client"), monthly, on_commit)
    stripe_on.complete_session(session.stripe_session_id, paid=True)
    completed(stripe_on, session, on_commit)
    subscription = stripe_on.checkout_sessions[session.stripe_session_id]["subscription"]
    ended = []
    monkeypatch.setattr(stripe_client, "subscription_cancel", ended.append)  # Stripe lags
    for _month in range(3):
        deliver(stripe_on, "invoice.paid", stripe_on.renew_subscription(subscription), on_commit)
    billing = account()
    assert (billing.state, billing.paid_installments) == (BillingState.PAID_IN_FULL, 3)
    assert AuditEvent.objects.get(action="billing.payment_mismatch").metadata["why"] == (
        "after_last_installment"
    )
    assert ended == [subscription, subscription]  # and it is ended again


@pytest.mark.parametrize("enrolled", [True, False])
def test_the_success_page_of_a_payment_that_granted_nothing_says_so_and_stops_waiting(
    plans, stripe_on, staff, on_commit, client, signed_in, enrolled
):
    from django.urls import reverse

    from payments.services.checkout import checkout_cancel

    monthly, full = plans
    user = UserFactory(role="client")
    if enrolled:  # both pages paid: the monthly one was first
        a = choose(user, monthly, on_commit)
        stripe_on.complete_session(a.stripe_session_id, paid=True)
        b = choose(user, full, on_commit)
        stripe_on.complete_session(b.stripe_session_id, paid=True)
        completed(stripe_on, a, on_commit)
    else:  # went back while Stripe could not close the page, then paid it anyway
        b = choose(user, full, on_commit)
        stripe_on.fail_next(500, path=f"/v1/checkout/sessions/{b.stripe_session_id}/expire")
        checkout_cancel(session=b, now=NOW)
        stripe_on.complete_session(b.stripe_session_id, paid=True)
    signed_in(user)
    body = client.get(reverse("join:done", args=[b.reference])).content.decode()
    assert "We received your payment" in body
    assert "Confirming your payment" not in body and "data-hx-get" not in body
    assert ("You're already enrolled" in body) is enrolled
    assert ("you don't need to pay again" in body) is not enrolled
    b.refresh_from_db()
    assert b.status == C.UNMATCHED
    outsider = UserFactory(role="client")
    signed_in(outsider)
    assert client.get(reverse("join:done", args=[b.reference])).status_code == 404
