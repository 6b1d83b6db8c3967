"""Stripe webhook events, as Stripe POSTs them, in the two API shapes the code reads: the current
one (2026-07-29.dahlia) and the legacy pre-basil one (2025-01-27.acacia). The JSON files beside
this module are the project's own (README.md says what each one is and which ids link them);
`EventSource` reads them, or any folder laid out the same way (the optional shared conformance
set, tests/payments/test_shared_stripe_fixtures.py).

Tests patch only what this app puts into a Checkout Session before signing (`with_reference`),
then sign the exact bytes they send, as Stripe does (`sign`)."""

import hashlib
import hmac
import json
import time
from pathlib import Path

from django.conf import settings

HERE = Path(__file__).resolve().parent
CURRENT = "2026-07-29.dahlia"
LEGACY = "2025-01-27.acacia"
VERSIONS = (CURRENT, LEGACY)
WEBHOOK_URL = "/payments/stripe/webhook/"


class EventSource:
    """A folder of Stripe events: <root>/<api version>/<name>.json."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, name: str, version: str = CURRENT) -> Path:
        return self.root / version / f"{name}.json"

    def has(self, name: str, version: str = CURRENT) -> bool:
        return self.path(name, version).is_file()

    def names(self, version: str = CURRENT) -> list[str]:
        return sorted(p.name.removesuffix(".json") for p in (self.root / version).glob("*.json"))

    def load(self, name: str, version: str = CURRENT) -> dict:
        """A fresh copy of one event, so a test may change it freely."""
        return json.loads(self.path(name, version).read_text())


EVENTS = EventSource(HERE)


def load(name: str, version: str = CURRENT) -> dict:
    """One of the project's own events (a fresh copy)."""
    return EVENTS.load(name, version)


def with_reference(event: dict, reference: str) -> dict:
    """The event as Stripe would send it for a Checkout Session this app started with
    `reference` (payments/stripe_client.checkout_session_create): the session's
    client_reference_id and metadata, and the subscription's metadata, which Stripe copies onto
    the subscription's invoices (parent.subscription_details since basil, subscription_details
    before). Charges and disputes carry nothing of ours: they link by payment_intent."""
    event = json.loads(json.dumps(event))
    obj = event["data"]["object"]
    kind = obj.get("object")
    if kind == "checkout.session":
        obj["client_reference_id"] = reference
        obj["metadata"] = {**(obj.get("metadata") or {}), "reference": reference}
    elif kind == "subscription":
        obj["metadata"] = {**(obj.get("metadata") or {}), "reference": reference}
    elif kind == "invoice":
        details = (obj.get("parent") or {}).get("subscription_details")
        if details is not None:
            details["metadata"] = {**(details.get("metadata") or {}), "reference": reference}
        elif obj.get("subscription"):
            legacy = obj.get("subscription_details") or {}
            legacy["metadata"] = {**(legacy.get("metadata") or {}), "reference": reference}
            obj["subscription_details"] = legacy
    return event


def sign(body: bytes, *, secret: str | None = None, at: int | None = None) -> str:
    """Stripe's Stripe-Signature header: t=<unix time>,v1=<HMAC-SHA256(secret, "<t>." + body)>."""
    secret = settings.STRIPE_WEBHOOK_SECRET if secret is None else secret
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def post(client, event: dict, **kwargs):
    """POST an event to the webhook as Stripe would (pretty-printed JSON, signed at send time)."""
    body = json.dumps(event, indent=2).encode()
    signature = kwargs.pop("signature", None) or sign(body, **kwargs)
    return client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
