"""What the webhook ledger keeps of a Stripe event, and for how long.

Stripe's events carry the payer's name, email, phone and addresses (a Checkout Session's
`customer_details`, a charge's `billing_details` and `receipt_email`, an invoice's
`customer_email`, a dispute's `evidence`, ...). None of the handlers reads any of it, so none of
it is stored: `event_minimised` keeps the envelope and, of the object, only the fields the
handlers read (and a few that let an operator tell one row from another), by the object's type,
for every event, processed, ignored or failed alike. Keeping only what is needed, rather than
storing everything and redacting after processing, means a row waiting for a retry or an
operator never holds personal data either, and a field Stripe adds tomorrow is not kept by
default. The payments tests process every event from its minimised row (the webhook stores,
the worker reads the row), so a field a handler needs cannot be dropped unnoticed.

Processed and ignored rows are deleted after `EHAB_STRIPE_EVENT_RETENTION_DAYS`
(`stripe_events_sweep`, daily from beat); failed and unprocessed ones stay for an operator.
"""

from datetime import datetime, timedelta

from django.conf import settings

from .models import StripeEvent

# A field name with True keeps a scalar (an expanded object keeps only its id); a dict keeps
# those fields of a nested object. `metadata` keeps only our opaque reference.
_REFERENCE = {"reference": True}
_SUBSCRIPTION_DETAILS = {"subscription": True, "metadata": _REFERENCE}
KEPT: dict[str, dict] = {
    "checkout.session": {
        "id": True, "object": True, "livemode": True, "created": True, "expires_at": True,
        "client_reference_id": True, "metadata": _REFERENCE, "mode": True, "status": True,
        "payment_status": True, "amount_total": True, "currency": True, "customer": True,
        "subscription": True, "payment_intent": True, "invoice": True,
    },
    "invoice": {
        "id": True, "object": True, "livemode": True, "created": True, "status": True,
        "billing_reason": True, "amount_due": True, "amount_paid": True, "currency": True,
        "customer": True,
        # basil and later: parent.subscription_details; before: these two at the top.
        "parent": {"type": True, "subscription_details": _SUBSCRIPTION_DETAILS},
        "subscription": True, "subscription_details": {"metadata": _REFERENCE},
    },
    "subscription": {
        "id": True, "object": True, "livemode": True, "created": True, "status": True,
        "customer": True, "metadata": _REFERENCE, "cancel_at_period_end": True,
        "cancel_at": True, "canceled_at": True, "ended_at": True,
    },
    "charge": {
        "id": True, "object": True, "livemode": True, "created": True, "status": True,
        "paid": True, "refunded": True, "amount": True, "amount_captured": True,
        "amount_refunded": True, "currency": True, "customer": True, "payment_intent": True,
    },
    "dispute": {
        "id": True, "object": True, "livemode": True, "created": True, "status": True,
        "reason": True, "amount": True, "currency": True, "charge": True,
        "payment_intent": True,
    },
}  # fmt: skip
# Any other object: what it is and which one.
OTHER = {"id": True, "object": True}
ENVELOPE = ("id", "object", "type", "api_version", "created", "livemode")


def _scalar(value):
    if isinstance(value, dict):  # an expanded object: its id only
        value = value.get("id")
    return value if value is None or isinstance(value, str | int | float | bool) else None


def _kept(obj: dict, spec: dict) -> dict:
    kept = {}
    for name, rule in spec.items():
        if name not in obj:
            continue
        value = obj[name]
        if rule is True:
            kept[name] = _scalar(value)
        elif isinstance(value, dict):
            kept[name] = _kept(value, rule)
        else:
            kept[name] = None
    return kept


def event_minimised(event: dict) -> dict:
    """The part of a verified Stripe event the ledger stores: the envelope, and of its
    `data.object` only the fields the handlers read, by the object's type. No names, emails,
    phones, addresses or free text of any kind."""
    kept = {name: _scalar(event.get(name)) for name in ENVELOPE if name in event}
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if isinstance(obj, dict):
        kind = obj.get("object")
        spec = KEPT.get(kind, OTHER) if isinstance(kind, str) else OTHER
        kept["data"] = {"object": _kept(obj, spec)}
    else:
        kept["data"] = {"object": None}
    return kept


def retention() -> timedelta:
    return timedelta(days=settings.EHAB_STRIPE_EVENT_RETENTION_DAYS)


def stripe_events_sweep(*, now: datetime, batch: int = 1000) -> int:
    """Delete processed and ignored ledger rows received more than the retention period before
    `now`, in batches; failed and unprocessed rows stay for an operator. Returns how many went.
    Safe to run at any time and twice: an event Stripe retries later (it stops after three
    days, well inside the minimum retention) is stored and processed again, idempotently."""
    done = (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED)
    old = StripeEvent.objects.filter(status__in=done, received_at__lt=now - retention())
    deleted = 0
    while True:
        ids = list(old.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += StripeEvent.objects.filter(pk__in=ids, status__in=done).delete()[0]
