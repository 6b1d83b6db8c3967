"""The project's own Stripe events (tests/payments/stripe_events) are what Stripe would send: the
SDK verifies and types them, each API version has its own shape, every event type the code
handles is there in both versions, and the ids link the files into the stories they tell."""

import json

import pytest
import stripe

from payments.services.webhooks import HANDLERS

from .stripe_events import CURRENT, EVENTS, LEGACY, VERSIONS, sign
from .stripe_events.scenarios import SCENARIOS

CHECKOUT_TYPES = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
TYPED = {
    "checkout.session": stripe.checkout.Session,
    "invoice": stripe.Invoice,
    "subscription": stripe.Subscription,
    "charge": stripe.Charge,
    "dispute": stripe.Dispute,
}
ALL = [(v, n) for v in VERSIONS for n in EVENTS.names(v)]


def obj(name: str, version: str = CURRENT) -> dict:
    return EVENTS.load(name, version)["data"]["object"]


def test_both_versions_hold_the_same_events_and_every_type_the_code_handles():
    assert EVENTS.names(CURRENT) == EVENTS.names(LEGACY)
    for version in VERSIONS:
        types = {EVENTS.load(n, version)["type"] for n in EVENTS.names(version)}
        assert types >= CHECKOUT_TYPES | set(HANDLERS), version


def test_every_event_file_is_told_in_a_billing_story():
    told = {step for scenario in SCENARIOS for step in scenario.steps}
    assert set(EVENTS.names(CURRENT)) == told


@pytest.mark.parametrize(("version", "name"), ALL, ids=[f"{v}-{n}" for v, n in ALL])
def test_stripe_verifies_and_types_each_event(version, name):
    raw = EVENTS.path(name, version).read_bytes()
    event = stripe.Webhook.construct_event(raw, sign(raw), "whsec_test_secret")
    data = json.loads(raw)
    assert event.id == data["id"] and event.type == data["type"]
    assert data["api_version"] == version
    assert data["livemode"] is False and data["data"]["object"]["livemode"] is False
    assert name.startswith(data["type"])
    assert isinstance(event.data.object, TYPED[data["data"]["object"]["object"]])
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(raw + b" ", sign(raw), "whsec_test_secret")


def test_event_ids_are_unique_across_both_versions():
    ids = [EVENTS.load(n, v)["id"] for v, n in ALL]
    assert len(ids) == len(set(ids))


def _values(node, key_part: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if key_part in key and isinstance(value, str):
                yield value
            yield from _values(value, key_part)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value, key_part)


def test_no_person_in_them_is_real():
    for version, name in ALL:
        for email in _values(EVENTS.load(name, version), "email"):
            assert email.endswith("@example.com"), (name, email)


INVOICES = [n for n in EVENTS.names(CURRENT) if n.startswith("invoice.")]
SUBSCRIPTIONS = [n for n in EVENTS.names(CURRENT) if n.startswith("customer.subscription.")]


def test_the_current_shape_keeps_invoice_links_under_parent_and_periods_on_items():
    """basil and later: no top-level subscription, payment_intent, charge or paid on an
    invoice; no subscription-level current_period_*; no invoice on a charge."""
    for name in INVOICES:
        invoice = obj(name)
        assert not {"subscription", "payment_intent", "charge", "paid"} & invoice.keys(), name
        assert "subscription_details" not in invoice, name
        for line in invoice["lines"]["data"]:
            assert "parent" in line and "type" not in line and "price" not in line, name
    for name in SUBSCRIPTIONS:
        subscription = obj(name)
        assert "current_period_end" not in subscription, name
        (item,) = subscription["items"]["data"]
        assert item["current_period_start"] < item["current_period_end"], name
    for name in ("charge.refunded.partial", "charge.refunded.full"):
        assert "invoice" not in obj(name)


def test_the_legacy_shape_keeps_them_at_the_top():
    for name in INVOICES:
        invoice = obj(name, LEGACY)
        assert "parent" not in invoice and {"paid", "payment_intent", "charge"} <= invoice.keys()
        assert "subscription" in invoice, name
    for name in SUBSCRIPTIONS:
        subscription = obj(name, LEGACY)
        assert subscription["current_period_start"] < subscription["current_period_end"], name
        assert "current_period_end" not in subscription["items"]["data"][0], name
    assert "invoice" in obj("charge.refunded.full", LEGACY)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_ids_link_the_files_into_their_stories(version):
    def o(name):
        return obj(name, version)

    def subscription_of(invoice):
        if version == CURRENT:
            details = (invoice["parent"] or {}).get("subscription_details") or {}
            return details.get("subscription")
        return invoice["subscription"]

    # Paid in full by card, then refunds and disputes against that one charge.
    paid = o("checkout.session.completed.payment")
    assert paid["mode"] == "payment" and paid["payment_status"] == "paid"
    charges = [o("charge.refunded.partial"), o("charge.refunded.full")]
    disputes = [o("charge.dispute.created.inquiry"), o("charge.dispute.created.fraudulent")]
    for linked in charges + disputes:
        assert linked["payment_intent"] == paid["payment_intent"]
    assert {d["charge"] for d in disputes} == {charges[0]["id"]} == {charges[1]["id"]}
    assert 0 < charges[0]["amount_refunded"] < charges[1]["amount_refunded"]
    assert charges[1]["amount_refunded"] == charges[1]["amount"] == paid["amount_total"]
    assert (charges[0]["refunded"], charges[1]["refunded"]) == (False, True)
    # A delayed bank debit: one session, complete but unpaid until it clears or fails.
    unpaid, cleared, failed = (
        o("checkout.session.completed.async_unpaid"),
        o("checkout.session.async_payment_succeeded"),
        o("checkout.session.async_payment_failed"),
    )
    assert unpaid["id"] == cleared["id"] == failed["id"]
    assert [s["payment_status"] for s in (unpaid, cleared, failed)] == ["unpaid", "paid", "unpaid"]
    assert o("checkout.session.expired")["status"] == "expired"
    # Monthly installments: one subscription through its life.
    session = o("checkout.session.completed.subscription")
    sub = session["subscription"]
    assert session["mode"] == "subscription" and session["payment_intent"] is None
    for name in SUBSCRIPTIONS:
        assert o(name)["id"] == sub and o(name)["customer"] == session["customer"], name
    first, second, failing = (
        o("invoice.paid.subscription_create"),
        o("invoice.paid.subscription_cycle"),
        o("invoice.payment_failed.subscription_cycle"),
    )
    for invoice in (first, second, failing):
        assert subscription_of(invoice) == sub and invoice["customer"] == session["customer"]
    assert session["invoice"] == first["id"] == o("customer.subscription.created")["latest_invoice"]
    assert [first["billing_reason"], second["billing_reason"]] == [
        "subscription_create",
        "subscription_cycle",
    ]
    assert failing["status"] == "open" and failing["amount_paid"] == 0
    assert o("customer.subscription.updated.past_due")["latest_invoice"] == failing["id"]
    assert o("customer.subscription.deleted")["cancellation_details"]["reason"] == "payment_failed"
    ending = o("customer.subscription.updated.cancel_at_period_end")
    assert ending["status"] == "active" and ending["cancel_at_period_end"] is True
    # Noise: a manual invoice for a customer who is not one of ours.
    manual = o("invoice.paid.manual_no_subscription")
    assert subscription_of(manual) is None and manual["billing_reason"] == "manual"
    assert manual["customer"] not in {paid["customer"], session["customer"], unpaid["customer"]}
