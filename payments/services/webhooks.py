"""The webhook event ledger: a verified Stripe event is stored once by its id (minimised:
payments/ledger.py), then processed once, the row locked and the effect applied in the same
transaction. What each event type does is one entry in HANDLERS; a type not there has no effect
here and is recorded as ignored."""

from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from payments.ledger import event_minimised
from payments.models import CheckoutSession, StripeEvent

from .charges import charge_refunded, dispute_created
from .checkout import checkout_close, checkout_fulfil
from .subscriptions import (
    invoice_paid,
    invoice_payment_failed,
    subscription_changed,
    subscription_deleted,
)


def stripe_event_store(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once by its id, minimised to what processing reads (no personal
    data: payments/ledger.py); returns (row, created)."""
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                api_version=event.get("api_version") or "",
                livemode=bool(event.get("livemode")),
                payload=event_minimised(event),
            )
            return row, True
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False


# --- One handler per event type: (the event's object, its id, now) -> whether it applied ------


def _checkout_paid(obj: dict, event_id: str, now: datetime) -> bool:
    checkout_fulfil(session=obj, stripe_event_id=event_id, now=now)
    return True


def _checkout_payment_failed(obj: dict, event_id: str, now: datetime) -> bool:
    checkout_close(session=obj, status=CheckoutSession.Status.FAILED)
    return True


def _checkout_expired(obj: dict, event_id: str, now: datetime) -> bool:
    checkout_close(session=obj, status=CheckoutSession.Status.EXPIRED)
    return True


def _invoice_paid(obj: dict, event_id: str, now: datetime) -> bool:
    return invoice_paid(invoice=obj, event_id=event_id, now=now)


def _invoice_payment_failed(obj: dict, event_id: str, now: datetime) -> bool:
    return invoice_payment_failed(invoice=obj, event_id=event_id, now=now)


def _subscription_changed(obj: dict, event_id: str, now: datetime) -> bool:
    return subscription_changed(subscription=obj, event_id=event_id, now=now)


def _subscription_deleted(obj: dict, event_id: str, now: datetime) -> bool:
    return subscription_deleted(subscription=obj, event_id=event_id, now=now)


def _charge_refunded(obj: dict, event_id: str, now: datetime) -> bool:
    return charge_refunded(charge=obj, event_id=event_id, now=now)


def _dispute_created(obj: dict, event_id: str, now: datetime) -> bool:
    return dispute_created(dispute=obj, event_id=event_id, now=now)


Handler = Callable[[dict, str, datetime], bool]
HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_paid,
    "checkout.session.async_payment_succeeded": _checkout_paid,
    "checkout.session.async_payment_failed": _checkout_payment_failed,
    "checkout.session.expired": _checkout_expired,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_deleted,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
}


def _apply(event: dict, *, now: datetime) -> bool:
    """Apply one event through its type's handler; False when the type has no effect here."""
    handler = HANDLERS.get(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    if handler is None or not isinstance(obj, dict):
        return False
    return handler(obj, event["id"], now)


def stripe_event_process(*, event_row_id: int, now: datetime) -> str | None:
    """Process one stored event, once: locks the row, applies it in the same transaction, and
    records the outcome. A handler error rolls everything back, records the failure, and
    re-raises so the task retries. Returns the final status, or None if already done."""
    try:
        with transaction.atomic():
            row = StripeEvent.objects.select_for_update().get(pk=event_row_id)
            if row.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED):
                return None
            applied = _apply(row.payload, now=now)
            row.status = StripeEvent.Status.PROCESSED if applied else StripeEvent.Status.IGNORED
            row.attempts += 1
            row.processed_at = now
            row.last_error = ""
            row.save(update_fields=["status", "attempts", "processed_at", "last_error"])
            return row.status
    except StripeEvent.DoesNotExist:
        return None
    except Exception as exc:
        StripeEvent.objects.filter(pk=event_row_id).update(
            status=StripeEvent.Status.FAILED,
            attempts=F("attempts") + 1,
            last_error=type(exc).__name__[:300],
        )
        raise
