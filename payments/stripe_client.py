"""The only module that imports `stripe` (docs/architecture.md). Everything sent to Stripe is an
opaque reference or a neutral name (L-5).

With STRIPE_ENABLED off, every function here that would talk to Stripe raises StripeDisabled
before the SDK is touched: nothing leaves the process, whatever keys are configured.
"""

import contextlib
from datetime import datetime
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from .webhook_envelope import MalformedEvent, event_from_body


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request (no health data in the message)."""


class StripeDisabled(StripeUnavailable):
    """STRIPE_ENABLED is off: nothing was sent. Its message is fit to show to the person."""

    MESSAGE = "Online payments are switched off here; nothing was sent to Stripe."

    def __init__(self):
        super().__init__(self.MESSAGE)


def enabled() -> bool:
    """Whether this site takes payments through Stripe (STRIPE_ENABLED)."""
    return bool(settings.STRIPE_ENABLED)


@contextlib.contextmanager
def _stripe_errors():
    """The gate of every call to Stripe: refuses with StripeDisabled while Stripe is switched
    off (before any request), and turns any failure talking to Stripe into StripeUnavailable,
    with no request detail."""
    if not enabled():
        raise StripeDisabled
    try:
        yield
    except stripe.StripeError as exc:
        raise StripeUnavailable(type(exc).__name__) from None


class InvalidWebhook(Exception):
    """The body or signature is not a valid, fresh Stripe event for this endpoint."""


WEBHOOK_TOLERANCE = 300  # seconds either side of now (Stripe's default, past only)


def verify_webhook(payload: bytes, signature_header: str | None, *, now: datetime) -> dict:
    """Check the signature over the raw body (Stripe's scheme), that it was made within
    WEBHOOK_TOLERANCE of `now` either way, that the body is a well-formed event
    (payments/webhook_envelope) and its livemode.

    Returns the event as plain data. Raises InvalidWebhook for anything else.
    """
    if not signature_header or not settings.STRIPE_WEBHOOK_SECRET:
        raise InvalidWebhook("missing signature or secret")
    try:
        # No tolerance here: the SDK checks only the past, against its own clock; both
        # directions are checked below against `now`, on the timestamp it has just verified.
        stripe.WebhookSignature.verify_header(
            payload, signature_header, settings.STRIPE_WEBHOOK_SECRET, tolerance=None
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook(type(exc).__name__) from None
    if abs(now.timestamp() - _signed_at(signature_header)) > WEBHOOK_TOLERANCE:
        raise InvalidWebhook("timestamp outside the tolerance")
    try:
        data = event_from_body(payload)
    except MalformedEvent as exc:
        raise InvalidWebhook(f"malformed event: {exc}") from None
    if data["livemode"] != settings.STRIPE_LIVEMODE:
        raise InvalidWebhook("livemode does not match the configured key")
    return data


def _signed_at(signature_header: str) -> int:
    """The header's timestamp, read as the SDK reads it when verifying (the first `t=`)."""
    items = [item.split("=", 2) for item in signature_header.split(",")]
    return int(next(item[1] for item in items if item[0] == "t"))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Decimal money to Stripe's integer minor units (cents for USD)."""
    zero_decimal = {"jpy", "krw", "vnd", "clp", "pyg", "ugx", "xaf", "xof"}
    factor = 1 if currency.lower() in zero_decimal else 100
    return int((amount * factor).to_integral_value())


def from_minor_units(amount: int, currency: str) -> Decimal:
    zero_decimal = {"jpy", "krw", "vnd", "clp", "pyg", "ugx", "xaf", "xof"}
    factor = 1 if currency.lower() in zero_decimal else 100
    return (Decimal(amount) / factor).quantize(Decimal("0.01"))


def subscription_cancel(subscription_id: str) -> None:
    """End an installment subscription after its last paid invoice. Safe to repeat: one that is
    already gone (cancelled by us, the portal, or Stripe) counts as done. Raises
    StripeDisabled while Stripe is switched off, so the caller keeps it to do."""
    with _stripe_errors():
        try:
            stripe.Subscription.cancel(
                subscription_id, idempotency_key=f"cancel-{subscription_id}", **_opts()
            )
        except stripe.InvalidRequestError as exc:
            if getattr(exc, "code", None) != "resource_missing":
                raise


def _opts() -> dict:
    return {"api_key": settings.STRIPE_SECRET_KEY}


NEUTRAL_PRODUCT_NAME = "E-Hab program"
STATEMENT_DESCRIPTOR = "E-HAB"


def plan_sync(*, lookup_key: str, amount: Decimal, currency: str, interval: str | None) -> str:
    """Create or update the Stripe product and price for one plan; returns the price id.

    Idempotent: the price is found by its lookup key; a changed amount makes a new price that
    takes the lookup key over (transfer_lookup_key), as Stripe prices are immutable. Names are
    neutral (L-5).
    """
    with _stripe_errors():
        return _plan_sync(lookup_key, amount, currency, interval)


def _plan_sync(lookup_key: str, amount: Decimal, currency: str, interval: str | None) -> str:
    currency = currency.lower()
    existing = stripe.Price.list(lookup_keys=[lookup_key], expand=["data.product"], **_opts())
    unit_amount = to_minor_units(amount, currency)
    for price in existing.data:
        same_interval = (price.recurring.interval if price.recurring else None) == interval
        if price.unit_amount == unit_amount and price.currency == currency and same_interval:
            return price.id
    product_id = None
    if existing.data:
        product = existing.data[0].product  # expanded above; an id if it ever is not
        product_id = product if isinstance(product, str) else product.id
    if product_id is None:
        product = stripe.Product.create(
            name=NEUTRAL_PRODUCT_NAME,
            statement_descriptor=STATEMENT_DESCRIPTOR,
            metadata={"lookup_key": lookup_key},
            idempotency_key=f"product-{lookup_key}",
            **_opts(),
        )
        product_id = product.id
    params: dict[str, Any] = {
        "product": product_id,
        "unit_amount": unit_amount,
        "currency": currency,
        "lookup_key": lookup_key,
        "transfer_lookup_key": True,
    }
    if interval:
        params["recurring"] = {"interval": interval}
    # The current holder of the lookup key is part of the key, so going back to an earlier
    # amount within Stripe's 24-hour idempotency window makes a new price, not a replay.
    holder = existing.data[0].id if existing.data else "none"
    price = stripe.Price.create(
        idempotency_key=f"price-{lookup_key}-{unit_amount}-{currency}-{interval}-{holder}",
        **params,
        **_opts(),
    )
    return price.id


def checkout_session_create(
    *,
    reference: str,
    price_id: str,
    mode: str,
    success_url: str,
    cancel_url: str,
    customer_id: str = "",
    customer_email: str = "",
) -> tuple[str, str]:
    """Start a Checkout Session; returns (session id, the URL to send the person to).

    Only opaque references travel: client_reference_id and metadata carry our checkout
    reference, nothing else (no names, no program or health words).
    """
    params: dict[str, Any] = {
        "mode": mode,
        "line_items": [{"price": price_id, "quantity": 1}],
        "client_reference_id": reference,
        "metadata": {"reference": reference},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if customer_id:
        params["customer"] = customer_id
    elif customer_email:
        params["customer_email"] = customer_email
    if mode == "subscription":
        params["subscription_data"] = {"metadata": {"reference": reference}}
    else:
        params["payment_intent_data"] = {"metadata": {"reference": reference}}
        # A customer and an invoice for one-time payments too, so every client has receipts and
        # can use the Customer Portal.
        params["invoice_creation"] = {"enabled": True}
        if not customer_id:
            params["customer_creation"] = "always"
    with _stripe_errors():
        session = stripe.checkout.Session.create(
            idempotency_key=f"checkout-{reference}", **params, **_opts()
        )
    if not session.url:  # a hosted Checkout Session always has one while it is open
        raise StripeUnavailable("no checkout URL")
    return session.id, session.url


def checkout_session_retrieve(session_id: str) -> dict:
    """The Checkout Session as plain data (for the success page's fulfilment)."""
    with _stripe_errors():
        return stripe.checkout.Session.retrieve(session_id, **_opts()).to_dict(for_json=True)


def portal_session_create(*, customer_id: str, return_url: str) -> str:
    """A Customer Portal session (update card, receipts); returns its URL."""
    with _stripe_errors():
        session = stripe.billing_portal.Session.create(
            customer=customer_id, return_url=return_url, **_opts()
        )
    return session.url


def refund_create(*, payment_intent_id: str, amount: Decimal, currency: str, key: str) -> str:
    """Refund all or part of a payment, at most once per idempotency `key`; returns its id."""
    with _stripe_errors():
        refund = stripe.Refund.create(
            payment_intent=payment_intent_id,
            amount=to_minor_units(amount, currency),
            idempotency_key=key,
            **_opts(),
        )
    return refund.id


def subscription_retrieve(subscription_id: str) -> dict:
    """A subscription as plain data."""
    with _stripe_errors():
        return stripe.Subscription.retrieve(subscription_id, **_opts()).to_dict(for_json=True)


def paid_invoices(subscription_id: str) -> list[dict]:
    """The paid invoices of a subscription, newest first, as plain data."""
    with _stripe_errors():
        page = stripe.Invoice.list(subscription=subscription_id, status="paid", limit=24, **_opts())
    return [invoice.to_dict(for_json=True) for invoice in page.data]


def undelivered_events(*, since: int) -> list[dict]:
    """Events Stripe could not deliver to us since a Unix time, as plain data."""
    with _stripe_errors():
        page = stripe.Event.list(delivery_success=False, created={"gte": since}, limit=100,
                                 **_opts())  # fmt: skip
        # Paging fetches the next pages, so it stays inside the gate.
        return [event.to_dict(for_json=True) for event in page.auto_paging_iter()]


def checkout_session_expire(session_id: str) -> None:
    """Close an open Checkout Session so it can no longer be paid (the person cancelled). One
    that is already complete or expired is left as it is."""
    with _stripe_errors(), contextlib.suppress(stripe.InvalidRequestError):
        stripe.checkout.Session.expire(session_id, **_opts())
