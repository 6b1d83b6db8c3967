"""The only module that imports `stripe` (HOUSE_STYLE 10). Everything sent to Stripe is an
opaque reference or a neutral name (L-5)."""

import json
from decimal import Decimal

import stripe
from django.conf import settings


class InvalidWebhook(Exception):
    """The body or signature is not a valid, fresh Stripe event for this endpoint."""


def verify_webhook(payload: bytes, signature_header: str | None) -> dict:
    """Check the signature over the raw body (Stripe's scheme, 300 s tolerance) and livemode.

    Returns the event as plain data. Raises InvalidWebhook for anything else.
    """
    if not signature_header or not settings.STRIPE_WEBHOOK_SECRET:
        raise InvalidWebhook("missing signature or secret")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature_header, settings.STRIPE_WEBHOOK_SECRET
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook(type(exc).__name__) from None
    # The verified bytes, as plain JSON (the SDK's objects carry Decimals and typed classes).
    data = json.loads(payload)
    if not isinstance(data, dict) or data.get("id") != event.id:
        raise InvalidWebhook("not an event")
    if bool(data.get("livemode")) != settings.STRIPE_LIVEMODE:
        raise InvalidWebhook("livemode does not match the configured key")
    if not data.get("id") or not data.get("type"):
        raise InvalidWebhook("not an event")
    return data


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
    """End an installment subscription after its last paid invoice (idempotent at Stripe)."""
    if not settings.STRIPE_ENABLED:
        return
    stripe.Subscription.cancel(
        subscription_id,
        api_key=settings.STRIPE_SECRET_KEY,
        idempotency_key=f"cancel-{subscription_id}",
    )
