"""Reading the Stripe objects an event or a retrieve hands us, as plain data: an id whether the
field came as an id or expanded, what a Checkout Session says was paid, and the subscription an
invoice belongs to in either API shape. Pure functions: no query, no call to Stripe."""

from decimal import Decimal

from .stripe_client import from_minor_units


def stripe_id(value) -> str:
    """An id field of a Stripe object, whether it came as an id or expanded."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def session_paid(session: dict) -> tuple[Decimal, str]:
    """(amount, currency) a Stripe Checkout Session says was paid, as Decimal money."""
    currency = str(session.get("currency") or "").lower()
    total = session.get("amount_total")
    if not currency or not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return Decimal("0.00"), currency
    return from_minor_units(total, currency), currency


def subscription_of_invoice(invoice: dict) -> tuple[str, dict]:
    """(subscription id, its metadata) from either API shape: basil+ keeps them under
    parent.subscription_details; older versions have a top-level `subscription`."""
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    subscription = details.get("subscription") or invoice.get("subscription") or ""
    if isinstance(subscription, dict):
        subscription = subscription.get("id", "")
    metadata = (
        details.get("metadata") or (invoice.get("subscription_details") or {}).get("metadata") or {}
    )
    return subscription, metadata if isinstance(metadata, dict) else {}
