"""Whole billing stories told as Stripe events, and what each must leave behind. The project's own
events (test_stripe_event_scenarios.py) and the shared conformance set
(test_shared_stripe_fixtures.py) run through the same `run`: each event is patched with the
checkout's reference, signed, POSTed to the webhook twice (Stripe retries), and processed by
the worker's own function, in order."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from courses.models import EnrollmentStatus
from courses.services.enrollment import enrollment_create
from payments.models import (
    BillingAccount,
    BillingState,
    CheckoutSession,
    Payment,
    Plan,
    StripeEvent,
)
from payments.services.webhooks import stripe_event_process
from payments.stripe_client import from_minor_units
from tests.factories import make_track

from . import VERSIONS, EventSource, post, with_reference

B = BillingState
E = EnrollmentStatus
C = CheckoutSession.Status
P = Payment.Status
NOW = datetime(2026, 9, 14, 16, 5, tzinfo=UTC)  # the day the stories begin, noon in New York
PAID = "checkout.session.completed.payment"
FIRST = ("checkout.session.completed.subscription", "invoice.paid.subscription_create")


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[str, ...]
    state: str
    enrollment: str = E.ACTIVE
    checkout: str = C.COMPLETE
    plan: str = "full"
    installments: int = 0  # paid installment invoices (installment plans)
    payment: str | None = None  # the one-time payment's status, when there is one
    ignored: tuple[str, ...] = field(default=())  # steps that must change nothing

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name).strip("-")


SCENARIOS = (
    Scenario("paid in full by card", (PAID,), B.PAID_IN_FULL, payment=P.PAID),
    Scenario("a partial refund keeps access", (PAID, "charge.refunded.partial"),
             B.PAID_IN_FULL, payment=P.PARTIALLY_REFUNDED),
    Scenario("a partial then a full refund", (PAID, "charge.refunded.partial",
             "charge.refunded.full"), B.REFUNDED, payment=P.REFUNDED),
    Scenario("an inquiry marks billing disputed", (PAID, "charge.dispute.created.inquiry"),
             B.DISPUTED, payment=P.DISPUTED),
    Scenario("a chargeback marks billing disputed",
             (PAID, "charge.dispute.created.fraudulent"), B.DISPUTED, payment=P.DISPUTED),
    Scenario("a manual invoice for someone else changes nothing",
             (PAID, "invoice.paid.manual_no_subscription"), B.PAID_IN_FULL, payment=P.PAID,
             ignored=("invoice.paid.manual_no_subscription",)),
    Scenario("a bank debit still clearing grants nothing",
             ("checkout.session.completed.async_unpaid",), B.AWAITING_PAYMENT,
             enrollment=E.PENDING_PAYMENT, checkout=C.OPEN),
    Scenario("a bank debit that clears grants access",
             ("checkout.session.completed.async_unpaid",
              "checkout.session.async_payment_succeeded"), B.PAID_IN_FULL, payment=P.PAID),
    Scenario("a bank debit that fails grants nothing",
             ("checkout.session.completed.async_unpaid", "checkout.session.async_payment_failed"),
             B.AWAITING_PAYMENT, enrollment=E.PENDING_PAYMENT, checkout=C.FAILED),
    Scenario("an abandoned session expires", ("checkout.session.expired",), B.AWAITING_PAYMENT,
             enrollment=E.PENDING_PAYMENT, checkout=C.EXPIRED),
    Scenario("installments: checkout completes, then the first invoice", FIRST,
             B.INSTALLMENTS_CURRENT, plan="installments", installments=1),
    Scenario("installments: the first invoice, then checkout completes", FIRST[::-1],
             B.INSTALLMENTS_CURRENT, plan="installments", installments=1),
    Scenario("installments: the subscription's own events around checkout",
             ("customer.subscription.created", "invoice.paid.subscription_create",
              "customer.subscription.updated.active", "checkout.session.completed.subscription"),
             B.INSTALLMENTS_CURRENT, plan="installments", installments=1),
    Scenario("installments: a metadata-only update changes nothing",
             (*FIRST, "customer.subscription.updated.metadata"), B.INSTALLMENTS_CURRENT,
             plan="installments", installments=1),
    Scenario("installments: cancelling at period end keeps access until then",
             (*FIRST, "customer.subscription.updated.cancel_at_period_end"),
             B.INSTALLMENTS_CURRENT, plan="installments", installments=1),
    Scenario("installments: the second month is paid",
             (*FIRST, "invoice.paid.subscription_cycle"), B.INSTALLMENTS_CURRENT,
             plan="installments", installments=2),
    Scenario("installments: a failed renewal is past due",
             (*FIRST, "invoice.payment_failed.subscription_cycle",
              "customer.subscription.updated.past_due"), B.PAST_DUE, plan="installments",
             installments=1),
    Scenario("installments: cancelled for non-payment",
             (*FIRST, "invoice.payment_failed.subscription_cycle",
              "customer.subscription.updated.past_due", "customer.subscription.deleted"),
             B.CANCELLED, plan="installments", installments=1),
)  # fmt: skip


def cases(source: EventSource) -> list[tuple[Scenario, str]]:
    """Every (scenario, API version) whose events all exist in `source`."""
    return [
        (scenario, version)
        for version in VERSIONS
        for scenario in SCENARIOS
        if all(source.has(step, version) for step in scenario.steps)
    ]


def _checkout(client_user, scenario: Scenario, source: EventSource, version: str):
    """A client waiting for payment with an open checkout, as checkout_prepare leaves them, on
    the plan the story's own Checkout Session charges for (its amount_total and currency): a
    payment grants only what its checkout was for, so the plan must be the one paid for."""
    session = next(
        source.load(step, version)["data"]["object"]
        for step in scenario.steps
        if step.startswith("checkout.session.")
    )
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(
        track=track, slug=f"scenario-{scenario.plan}", kind=scenario.plan,
        installments=3 if scenario.plan == "installments" else 1,
        amount=from_minor_units(session["amount_total"], session["currency"]),
        currency=session["currency"],
    )  # fmt: skip
    enrollment = enrollment_create(
        client=client_user, track=track, start_date=date(2026, 9, 14), status="pending_payment",
        now=NOW,
    )  # fmt: skip
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    return CheckoutSession.objects.create(account=account)


def run(client, client_user, scenario: Scenario, source: EventSource, version: str) -> dict:
    """Tell the story through the webhook; returns each step's stored event id."""
    checkout = _checkout(client_user, scenario, source, version)
    ids = {}
    for step in scenario.steps:
        event = with_reference(source.load(step, version), checkout.reference)
        for _delivery in range(2):  # Stripe retries: the second copy must change nothing
            response = post(client, event)
            assert response.status_code == 200, (step, response.status_code)
        for row in StripeEvent.objects.filter(status=StripeEvent.Status.RECEIVED).order_by("pk"):
            stripe_event_process(event_row_id=row.pk, now=NOW)
        ids[step] = event["id"]
    return ids


def check(scenario: Scenario, source: EventSource, version: str, ids: dict) -> None:
    """What the story must leave behind, whoever wrote the events."""
    account = BillingAccount.objects.select_related("enrollment").get()
    checkout = CheckoutSession.objects.get()
    assert account.state == scenario.state
    assert account.enrollment.status == scenario.enrollment
    assert checkout.status == scenario.checkout
    assert StripeEvent.objects.count() == len(set(ids.values()))  # each id stored once
    statuses = dict(StripeEvent.objects.values_list("event_id", "status"))
    for step, event_id in ids.items():
        expected = "ignored" if step in scenario.ignored else "processed"
        assert statuses[event_id] == expected, (step, statuses[event_id])
    if scenario.plan == "installments":
        assert account.paid_installments == scenario.installments
        session = source.load("checkout.session.completed.subscription", version)
        subscription = session["data"]["object"]["subscription"]
        assert account.stripe_subscription_id == subscription
        assert sorted(account.payments.values_list("stripe_invoice_id", flat=True)) == sorted(
            source.load(step, version)["data"]["object"]["id"]
            for step in scenario.steps
            if step.startswith("invoice.paid.")
        )
    if scenario.payment is None:
        assert not Payment.objects.filter(stripe_payment_intent_id__isnull=False).exists()
        return
    payment = Payment.objects.get(stripe_payment_intent_id__isnull=False)
    paid = source.load(scenario.steps[-1] if "async" in scenario.steps[-1] else PAID, version)
    session = paid["data"]["object"]
    assert payment.stripe_payment_intent_id == session["payment_intent"]
    assert payment.amount == from_minor_units(session["amount_total"], session["currency"])
    assert payment.status == scenario.payment
    refunds = [step for step in scenario.steps if step.startswith("charge.refunded.")]
    refunded = Decimal("0")
    if refunds:
        charge = source.load(refunds[-1], version)["data"]["object"]
        refunded = from_minor_units(charge["amount_refunded"], charge["currency"])
    assert payment.refunded_amount == refunded
