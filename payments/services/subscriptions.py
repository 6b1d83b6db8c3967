"""Installment subscriptions: which account a subscription or an invoice is for, counting paid
invoices as installments (docs/decisions/0009-a-payment-grants-what-it-bought.md), following the
subscription's status, and ending a subscription once its last installment is paid (after
commit, never under a row lock; retried by beat until Stripe confirms)."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from payments import stripe_client
from payments.models import BillingAccount, BillingState, CheckoutSession, Payment
from payments.stripe_client import from_minor_units
from payments.stripe_objects import stripe_id, subscription_of_invoice

from .billing import alert_payment_mismatch, billing_set_state

logger = logging.getLogger(__name__)
B = BillingState


def _account_for_subscription(
    subscription_id: str, metadata: dict
) -> tuple[BillingAccount | None, bool]:
    """(the locked account, whether the subscription is the one it is on). An account is on a
    subscription only once a checkout that bought it was fulfilled (checkout's _grant). Before
    that, or for a checkout that granted nothing, the account is found by the opaque reference
    Stripe copies into the subscription's metadata, and nothing about its billing changes."""
    accounts = BillingAccount.objects.select_for_update().select_related(
        "plan", "enrollment__client"
    )
    if subscription_id:
        account = accounts.filter(stripe_subscription_id=subscription_id).first()
        if account is not None:
            return account, True
    reference = metadata.get("reference")
    if isinstance(reference, str) and reference:
        session = CheckoutSession.objects.filter(reference=reference).first()
        if session is not None:
            return accounts.get(pk=session.account_id), False
    return None, False


def invoice_paid(*, invoice: dict, event_id: str, now: datetime) -> bool:
    """A paid invoice of one of our subscriptions: the money is recorded, and it counts as an
    installment only for the subscription the account is on, at the amount its checkout
    recorded, up to the plan's number of installments. An invoice of a checkout that may still
    be fulfilled waits for it (fulfilment counts it); any other is put to billing staff.
    Returns False when the invoice is none of ours."""
    subscription_id, metadata = subscription_of_invoice(invoice)
    account, own = _account_for_subscription(subscription_id, metadata)
    if account is None:
        return False  # e.g. a manual invoice with no subscription of ours
    currency = str(invoice.get("currency") or "").lower()
    minor = invoice.get("amount_paid")
    if not currency or not isinstance(minor, int) or isinstance(minor, bool) or minor <= 0:
        return True  # nothing was paid (a zero invoice): nothing to record or count
    amount = from_minor_units(minor, currency)
    fulfilled = account.checkout_sessions.filter(fulfilled_at__isnull=False).first()
    if own:
        checkout = fulfilled
    else:
        checkout = CheckoutSession.objects.filter(
            reference=metadata.get("reference"), account=account
        ).first()
    _payment, created = Payment.objects.get_or_create(
        stripe_invoice_id=invoice["id"],
        defaults={"account": account, "checkout": checkout, "amount": amount, "currency": currency},
    )
    if not created:
        return True

    def mismatch(why: str) -> bool:
        alert_payment_mismatch(
            account,
            checkout=checkout,
            why=why,
            paid=amount,
            currency=currency,
            key=str(invoice["id"])[:100],
            now=now,
        )
        return True

    # What one installment costs: as recorded by the checkout that bought the subscription (an
    # account granted before checkouts recorded it: its plan's amount).
    terms = checkout or account.plan
    if (amount, currency) != (terms.amount, terms.currency.lower()):
        return mismatch("amount")
    if not own:
        may_still_grant = (
            checkout is not None
            and fulfilled is None
            and checkout.status != CheckoutSession.Status.UNMATCHED
            and checkout.mode == CheckoutSession.Mode.SUBSCRIPTION
            and account.state == B.AWAITING_PAYMENT
        )
        return True if may_still_grant else mismatch("not_granted")
    if account.paid_installments >= account.plan.installments:
        # Charged after the last installment: the subscription should have ended. End it now;
        # the extra money is for billing staff to refund.
        _end_subscription(account)
        return mismatch("after_last_installment")
    account.paid_installments += 1
    account.save(update_fields=["paid_installments"])
    installment_counted(account, event_id=event_id, now=now)
    return True


def installment_counted(account: BillingAccount, *, event_id: str, now: datetime) -> None:
    """After an installment is counted: the last one makes the account paid in full and ends
    the subscription; any one brings a past-due account back."""
    if account.paid_installments >= account.plan.installments:
        if account.state != B.PAID_IN_FULL:
            if account.state == B.AWAITING_PAYMENT:
                billing_set_state(
                    account=account,
                    to=B.INSTALLMENTS_CURRENT,
                    reason="invoice_paid",
                    stripe_event_id=event_id,
                    now=now,
                )
            billing_set_state(
                account=account,
                to=B.PAID_IN_FULL,
                reason="last_installment",
                stripe_event_id=event_id,
                now=now,
            )
        _end_subscription(account)
    elif account.state in (B.PAST_DUE, B.CONTENT_PAUSED):
        billing_set_state(
            account=account,
            to=B.INSTALLMENTS_CURRENT,
            reason="payment_resumed",
            stripe_event_id=event_id,
            now=now,
        )


def _end_subscription(account: BillingAccount) -> None:
    """The installment subscription ends after the last paid invoice: marked here, ended after
    commit, and retried by beat until Stripe confirms."""
    if not account.stripe_subscription_id:
        return
    if not account.subscription_end_pending:
        account.subscription_end_pending = True
        account.save(update_fields=["subscription_end_pending"])
    account_id = account.pk
    transaction.on_commit(lambda: subscriptions_end_pending(account_ids=[account_id]))


def subscriptions_end_pending(*, account_ids: Iterable[int] | None = None) -> int:
    """End every subscription whose last installment is paid; returns how many ended. A Stripe
    failure leaves the mark in place for the next try (beat runs this every ten minutes); while
    Stripe is switched off nothing is tried and every mark stays."""
    if not stripe_client.enabled():
        return 0
    pending = BillingAccount.objects.filter(subscription_end_pending=True)
    if account_ids is not None:
        pending = pending.filter(pk__in=account_ids)
    ended = 0
    for account_id, subscription_id in pending.values_list("pk", "stripe_subscription_id"):
        try:
            stripe_client.subscription_cancel(subscription_id)
        except stripe_client.StripeUnavailable as exc:
            logger.warning("could not end a paid-up subscription yet: %s", exc)
            continue
        BillingAccount.objects.filter(pk=account_id).update(subscription_end_pending=False)
        ended += 1
    return ended


def invoice_payment_failed(*, invoice: dict, event_id: str, now: datetime) -> bool:
    """An installment could not be charged: the account the subscription is on goes past due
    (its grace period starts). Returns False when the invoice is none of ours."""
    subscription_id, metadata = subscription_of_invoice(invoice)
    account, own = _account_for_subscription(subscription_id, metadata)
    if account is None:
        return False
    if own and account.state == B.INSTALLMENTS_CURRENT:
        billing_set_state(
            account=account,
            to=B.PAST_DUE,
            reason="payment_failed",
            stripe_event_id=event_id,
            now=now,
        )
    return True


def subscription_changed(*, subscription: dict, event_id: str, now: datetime) -> bool:
    """A subscription's status moved: past due, or active again. Returns False when the
    subscription is none of ours."""
    account, own = _account_for_subscription(
        stripe_id(subscription.get("id")), subscription.get("metadata") or {}
    )
    if account is None:
        return False
    if not own:
        return True  # not the subscription this account is on (yet): nothing changes
    status = subscription.get("status")
    if status == "past_due" and account.state == B.INSTALLMENTS_CURRENT:
        billing_set_state(
            account=account,
            to=B.PAST_DUE,
            reason="subscription_past_due",
            stripe_event_id=event_id,
            now=now,
        )
    elif status == "active" and account.state in (B.PAST_DUE, B.CONTENT_PAUSED):
        billing_set_state(
            account=account,
            to=B.INSTALLMENTS_CURRENT,
            reason="subscription_active",
            stripe_event_id=event_id,
            now=now,
        )
    return True


def subscription_deleted(*, subscription: dict, event_id: str, now: datetime) -> bool:
    """A subscription ended at Stripe: an account on it that is not paid up is cancelled.
    Returns False when the subscription is none of ours."""
    account, own = _account_for_subscription(
        stripe_id(subscription.get("id")), subscription.get("metadata") or {}
    )
    if account is None:
        return False
    if not own:
        return True  # not the subscription this account is on (yet): nothing changes
    # Our own cancellation after the last installment leaves a paid-in-full account alone.
    if account.state not in (B.PAID_IN_FULL, B.CANCELLED, B.REFUNDED):
        billing_set_state(
            account=account,
            to=B.CANCELLED,
            reason="subscription_deleted",
            stripe_event_id=event_id,
            now=now,
        )
    return True
