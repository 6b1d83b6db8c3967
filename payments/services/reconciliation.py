"""Daily reconciliation: compare local billing with Stripe and repair drift through the same
idempotent services the webhook uses. Every call to Stripe happens outside any transaction."""

import logging
from datetime import datetime, timedelta

from django.db import transaction

from payments import stripe_client
from payments.models import BillingAccount, BillingState, Payment, StripeEvent
from payments.webhook_envelope import MalformedEvent, check_event

from .subscriptions import (
    invoice_paid,
    subscription_changed,
    subscription_deleted,
    subscriptions_end_pending,
)
from .webhooks import stripe_event_process, stripe_event_store

logger = logging.getLogger(__name__)
B = BillingState
RECONCILE_LOOKBACK = timedelta(days=3)
LIVE_BILLING = (B.AWAITING_PAYMENT, B.INSTALLMENTS_CURRENT, B.PAST_DUE, B.CONTENT_PAUSED)


def billing_reconcile(*, now: datetime) -> dict[str, int]:
    """Compare local billing with Stripe and repair drift: events Stripe failed to deliver,
    subscription status, paid invoices we never heard about, failed local events, and paid-up
    subscriptions still running. Every step goes through the same idempotent handlers, so a
    second run changes nothing more. An undelivered event that is not a well-formed event
    (payments/webhook_envelope) is skipped and logged, never stored. Returns what it did:
    nothing at all while Stripe is switched off."""
    report = {"events": 0, "subscriptions": 0, "invoices": 0, "retried": 0, "ended": 0}
    if not stripe_client.enabled():
        logger.info("reconcile: Stripe is switched off; nothing to compare")
        return report
    since = int((now - RECONCILE_LOOKBACK).timestamp())
    for event in stripe_client.undelivered_events(since=since):
        try:
            check_event(event)
        except MalformedEvent as exc:
            logger.warning("reconcile: skipped an undelivered event that is malformed: %s", exc)
            continue
        row, _created = stripe_event_store(event=event)
        if stripe_event_process(event_row_id=row.pk, now=now):
            report["events"] += 1
    for row_id in StripeEvent.objects.filter(status=StripeEvent.Status.FAILED).values_list(
        "pk", flat=True
    ):
        try:
            if stripe_event_process(event_row_id=row_id, now=now):
                report["retried"] += 1
        except Exception as exc:  # noqa: BLE001 - recorded on the row; the next run tries again
            logger.warning("reconcile: event %s still fails: %s", row_id, type(exc).__name__)
    accounts = BillingAccount.objects.filter(state__in=LIVE_BILLING).exclude(
        stripe_subscription_id=""
    )
    for account_id, subscription_id in accounts.values_list("pk", "stripe_subscription_id"):
        for invoice in stripe_client.paid_invoices(subscription_id):
            if Payment.objects.filter(stripe_invoice_id=invoice["id"]).exists():
                continue
            with transaction.atomic():
                if invoice_paid(invoice=invoice, event_id="reconcile", now=now):
                    report["invoices"] += 1
        subscription = stripe_client.subscription_retrieve(subscription_id)
        before = BillingAccount.objects.get(pk=account_id).state
        with transaction.atomic():
            if subscription.get("status") == "canceled":
                subscription_deleted(subscription=subscription, event_id="reconcile", now=now)
            else:
                subscription_changed(subscription=subscription, event_id="reconcile", now=now)
        if BillingAccount.objects.get(pk=account_id).state != before:
            report["subscriptions"] += 1
    report["ended"] = subscriptions_end_pending()
    return report
