"""With STRIPE_ENABLED off nothing is ever sent to Stripe: every entry point of
payments/stripe_client.py refuses before the SDK opens a connection, the person is told so in
plain words, and the periodic jobs leave Stripe (and what they would have changed) alone."""

import inspect
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from courses.services.enrollment import enrollment_create
from payments import stripe_client
from payments.models import BillingAccount, BillingState, Payment, Plan
from payments.services.checkout import CheckoutError, checkout_start
from payments.tasks import end_paid_subscriptions, reconcile
from tests.factories import make_track

SWITCHED_OFF = "Online payments are switched off here; nothing was sent to Stripe."

# Every function of the module that would talk to Stripe, with arguments it accepts.
ENTRY_POINTS = {
    "plan_sync": lambda: stripe_client.plan_sync(
        lookup_key="k", amount=Decimal("10.00"), currency="usd", interval=None
    ),
    "checkout_session_create": lambda: stripe_client.checkout_session_create(
        reference="ref",
        price_id="price_x",
        mode="payment",
        success_url="https://ehab.example/done",
        cancel_url="https://ehab.example/cancelled",
    ),  # fmt: skip
    "checkout_session_retrieve": lambda: stripe_client.checkout_session_retrieve("cs_x"),
    "checkout_session_expire": lambda: stripe_client.checkout_session_expire("cs_x"),
    "portal_session_create": lambda: stripe_client.portal_session_create(
        customer_id="cus_x", return_url="https://ehab.example/me/billing/"
    ),
    "refund_create": lambda: stripe_client.refund_create(
        payment_intent_id="pi_x", amount=Decimal("4.00"), currency="usd", key="k"
    ),
    "subscription_retrieve": lambda: stripe_client.subscription_retrieve("sub_x"),
    "subscription_cancel": lambda: stripe_client.subscription_cancel("sub_x"),
    "paid_invoices": lambda: stripe_client.paid_invoices("sub_x"),
    "undelivered_events": lambda: stripe_client.undelivered_events(since=0),
}
# Functions that never leave the process (signature checks and arithmetic).
LOCAL_ONLY = {"verify_webhook", "to_minor_units", "from_minor_units", "enabled"}


@pytest.fixture
def stripe_off(settings, fake_stripe):
    """Stripe configured (a key, a running fake that records every request) but switched off."""
    settings.STRIPE_ENABLED = False
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    return fake_stripe


def test_every_function_of_the_stripe_module_is_checked_here():
    public = {
        name
        for name, obj in vars(stripe_client).items()
        if inspect.isfunction(obj)
        and obj.__module__ == stripe_client.__name__
        and not name.startswith("_")
    }
    assert public - LOCAL_ONLY == set(ENTRY_POINTS)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_no_entry_point_sends_anything_while_stripe_is_switched_off(stripe_off, name):
    with pytest.raises(stripe_client.StripeUnavailable) as refused:
        ENTRY_POINTS[name]()
    assert str(refused.value) == SWITCHED_OFF
    assert stripe_off.calls == []


@pytest.fixture
def account(db, client_a):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(
        track=track, slug="off-monthly", kind="installments", installments=3,
        amount=Decimal("10"), stripe_price_id="price_x",
    )  # fmt: skip
    enrollment = enrollment_create(
        client=client_a, track=track, start_date=date(2026, 11, 2),
        now=datetime(2026, 11, 2, 12, tzinfo=UTC),
    )  # fmt: skip
    account = BillingAccount.objects.create(
        enrollment=enrollment, plan=plan, state=BillingState.INSTALLMENTS_CURRENT,
        stripe_subscription_id="sub_x", stripe_customer_id="cus_x", paid_installments=1,
    )  # fmt: skip
    Payment.objects.create(
        account=account, stripe_payment_intent_id="pi_x", amount=Decimal("10.00")
    )
    return account


def test_a_refund_while_stripe_is_switched_off_says_so_and_sends_nothing(
    client, account, billing_user, signed_in, stripe_off
):
    signed_in(billing_user)
    response = client.post(
        reverse("billing:account_action", args=[account.pk, "refund"]),
        {"payment": Payment.objects.get().pk, "amount": "4.00", "reason": "goodwill",
         "form_key": "k1"},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    assert SWITCHED_OFF in response.content.decode()
    assert stripe_off.calls == []
    assert not AuditEvent.objects.filter(action="billing.refund_requested").exists()


def test_update_card_while_stripe_is_switched_off_says_so_and_sends_nothing(
    client, account, client_a, signed_in, stripe_off
):
    signed_in(client_a)
    response = client.post(reverse("my_billing:portal"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("my_billing:account")
    assert SWITCHED_OFF in response.content.decode()
    assert stripe_off.calls == []


def test_checkout_while_stripe_is_switched_off_says_so_and_sends_nothing(account, stripe_off):
    from payments.models import CheckoutSession

    session = CheckoutSession.objects.create(account=account)
    with pytest.raises(CheckoutError, match="switched off"):
        checkout_start(
            session=session,
            success_url="https://ehab.example/done",
            cancel_url="https://ehab.example/cancelled",
        )
    assert stripe_off.calls == []


def test_reconciliation_does_nothing_while_stripe_is_switched_off(account, stripe_off):
    report = reconcile()
    assert stripe_off.calls == []
    assert set(report.values()) == {0}
    account.refresh_from_db()
    assert account.state == BillingState.INSTALLMENTS_CURRENT


def test_a_paid_up_subscription_stays_marked_to_end_while_stripe_is_switched_off(
    account, stripe_off
):
    BillingAccount.objects.filter(pk=account.pk).update(
        state=BillingState.PAID_IN_FULL, subscription_end_pending=True
    )
    assert end_paid_subscriptions() == 0
    assert stripe_off.calls == []
    # Still to be ended at Stripe once payments are switched on again.
    account.refresh_from_db()
    assert account.subscription_end_pending is True
