"""Checkout: preparing one (the agreements, the pending enrollment, a local session with the
terms it is for), starting and confirming it at Stripe, the person leaving it, and fulfilment:
what a paid Checkout Session grants, decided only from its own recorded terms
(docs/decisions/0009-a-payment-grants-what-it-bought.md). Stripe is called before any row is
locked or after commit, never under a lock."""

import contextlib
import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import AgreementAcceptance, User
from audit.services import audit_record
from courses.models import Enrollment, EnrollmentStatus
from courses.services.enrollment import (
    EnrollmentError,
    enrollment_activate,
    enrollment_create,
    enrollment_place,
    enrollment_set_status,
)
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue
from payments import stripe_client
from payments.agreements import AGREEMENT_VERSION
from payments.models import BillingAccount, BillingState, CheckoutSession, Payment, Plan
from payments.stripe_client import to_minor_units
from payments.stripe_objects import session_paid, stripe_id

from .billing import alert_billing_staff, alert_payment_mismatch, billing_set_state
from .subscriptions import installment_counted

logger = logging.getLogger(__name__)
B = BillingState
LIVE_ENROLLMENT = (EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.ACTIVE)


# --- Starting a checkout --------------------------------------------------------------------


class CheckoutError(ValueError):
    """The checkout cannot start (wrong audience, a live enrollment already, Stripe refused)."""


@transaction.atomic
def checkout_prepare(*, user: User, plan: Plan, now: datetime) -> CheckoutSession:
    """Record the agreements, and create (or reuse) the pending enrollment, its billing account
    and a fresh local checkout session for `plan`, with the terms it is for; the account's other
    open checkouts close (here, and at Stripe after commit). The Stripe call happens after
    commit. Raises CheckoutError when the enrollment cannot start or is already paid for."""
    for document in AgreementAcceptance.Document.values:
        AgreementAcceptance.objects.get_or_create(
            user=user, document=document, version=AGREEMENT_VERSION
        )
    enrollment = Enrollment.objects.filter(
        client=user, track=plan.track, status=EnrollmentStatus.PENDING_PAYMENT
    ).first()
    if enrollment is None:
        try:
            enrollment = enrollment_create(
                client=user,
                track=plan.track,
                start_date=user.local_date(now),
                status=EnrollmentStatus.PENDING_PAYMENT,
                acting_user=user,
                now=now,
            )
        except EnrollmentError as exc:
            raise CheckoutError(str(exc)) from None
    account, _ = BillingAccount.objects.select_for_update().get_or_create(
        enrollment=enrollment, defaults={"plan": plan}
    )
    if account.checkout_sessions.filter(fulfilled_at__isnull=False).exists():
        raise CheckoutError("This enrollment is already paid for.")
    if account.plan_id != plan.pk and account.state == B.AWAITING_PAYMENT:
        # The plan chosen last, for the way back to it and the billing console. Fulfilment
        # never reads it: a payment grants what its own checkout recorded.
        account.plan = plan
        account.save(update_fields=["plan"])
    if not account.stripe_customer_id:
        # A returning client keeps one Stripe customer (saved card, one receipt history).
        earlier = (
            BillingAccount.objects.filter(enrollment__client=user)
            .exclude(stripe_customer_id="")
            .values_list("stripe_customer_id", flat=True)
            .first()
        )
        if earlier:
            account.stripe_customer_id = earlier
            account.save(update_fields=["stripe_customer_id"])
    # One way to pay at a time: an earlier page left open can no longer take money.
    _expire_open_checkouts(account)
    return CheckoutSession.objects.create(account=account, **CheckoutSession.terms_of(plan))


def checkout_start(*, session: CheckoutSession, success_url: str, cancel_url: str) -> str:
    """Create the Stripe Checkout Session for a prepared local one, for the plan and mode it
    recorded; returns where to send the person. Raises CheckoutError when Stripe cannot be
    reached."""
    plan = session.plan
    if not plan.stripe_price_id:
        raise CheckoutError("This plan is not available for online payment yet.")
    try:
        stripe_session_id, url = stripe_client.checkout_session_create(
            reference=session.reference,
            price_id=plan.stripe_price_id,
            mode=session.mode,
            success_url=success_url,
            cancel_url=cancel_url,
            customer_id=session.account.stripe_customer_id,
        )
    except stripe_client.StripeDisabled as exc:
        raise CheckoutError(str(exc)) from exc
    except stripe_client.StripeUnavailable as exc:
        raise CheckoutError("We couldn't reach the payment service. Please try again.") from exc
    CheckoutSession.objects.filter(pk=session.pk).update(stripe_session_id=stripe_session_id)
    return url


def checkout_confirm(*, session: CheckoutSession, now: datetime) -> bool:
    """The success page's half of fulfilment: ask Stripe, then run the shared fulfil. True once
    the enrollment is granted (by this call or by the webhook before it)."""
    if session.fulfilled_at is not None:
        return _is_active(session)
    if session.status == CheckoutSession.Status.UNMATCHED or not session.stripe_session_id:
        return False
    try:
        data = stripe_client.checkout_session_retrieve(session.stripe_session_id)
    except stripe_client.StripeUnavailable:
        return False
    local = checkout_fulfil(session=data, now=now)
    if local is not None:
        session.status = local.status
    return bool(local and local.fulfilled_at) and _is_active(session)


def _is_active(session: CheckoutSession) -> bool:
    return Enrollment.objects.filter(
        billing__checkout_sessions=session, status=EnrollmentStatus.ACTIVE
    ).exists()


def checkout_cancel(*, session: CheckoutSession, now: datetime) -> None:
    """The person left Checkout: nothing was charged; the pending enrollment is cancelled. The
    Stripe page is closed first, before any row is locked, so it can no longer take a payment;
    if Stripe is unreachable it expires by itself within a day, and fulfilment refuses a
    cancelled enrollment anyway."""
    current = CheckoutSession.objects.get(pk=session.pk)
    if current.fulfilled_at is not None or current.status == CheckoutSession.Status.UNMATCHED:
        return
    if current.stripe_session_id:
        with contextlib.suppress(stripe_client.StripeUnavailable):
            stripe_client.checkout_session_expire(current.stripe_session_id)
    _checkout_cancelled(session_id=session.pk, now=now)


@transaction.atomic
def _checkout_cancelled(*, session_id: int, now: datetime) -> None:
    local = CheckoutSession.objects.select_for_update().get(pk=session_id)
    if local.fulfilled_at is not None or local.status == CheckoutSession.Status.UNMATCHED:
        return
    local.status = CheckoutSession.Status.EXPIRED
    local.save(update_fields=["status"])
    enrollment = local.account.enrollment
    if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
        enrollment_set_status(
            enrollment=enrollment, status=EnrollmentStatus.CANCELLED, acting_user=None, now=now
        )


# --- Fulfilment: what a paid checkout grants ------------------------------------------------


@transaction.atomic
def checkout_fulfil(
    *, session: dict, now: datetime, stripe_event_id: str = ""
) -> CheckoutSession | None:
    """Grant what a completed, paid Checkout Session bought; the one fulfilment that the
    webhook and the success page share, so either may come first. Returns the local session, or
    None if the Stripe session is not ours. Idempotent: a session already decided is left alone.

    Decided only from the Stripe session itself against the terms its local session recorded
    when it was created: its `mode`, `amount_total` and `currency` must match, and no other
    checkout may have paid for the account already. Then the account takes the session's plan
    and billing state follows the session's mode. Anything else grants nothing: the money is
    recorded, the session is marked unmatched and billing staff are alerted. Locks the account,
    then the session (the order checkout_prepare takes)."""
    local = _find_session(session)
    if local is None:
        return None
    account = (
        BillingAccount.objects.select_for_update()
        .select_related("enrollment__client", "plan")
        .get(pk=local.account_id)
    )
    local = CheckoutSession.objects.select_for_update().select_related("plan").get(pk=local.pk)
    _remember_stripe_id(local, session)
    if local.fulfilled_at is not None or local.status == CheckoutSession.Status.UNMATCHED:
        return local
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if session.get("status") != "complete" or not paid:
        return local  # e.g. a delayed payment method: wait for async_payment_succeeded
    _record_checkout_payment(account=account, local=local, session=session)
    refusal = _fulfil_refusal(account=account, local=local, session=session)
    if refusal:
        _not_granted(account=account, local=local, session=session, why=refusal, now=now)
        return local
    _grant(account=account, local=local, session=session, stripe_event_id=stripe_event_id, now=now)
    enrollment = account.enrollment
    if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
        enrollment = enrollment_place(enrollment=enrollment, now=now)
        # Paid: the enrollment starts, and week 1 opens if its start day has come.
        enrollment_activate(enrollment=enrollment, acting_user=None, now=now)
    local.status = CheckoutSession.Status.COMPLETE
    local.fulfilled_at = now
    local.save(update_fields=["status", "fulfilled_at"])
    # The account is paid for: no other checkout of it may take money any more, and money one
    # of them already took (a first invoice in before its completion) goes to billing staff.
    _expire_open_checkouts(account)
    _not_granted_after_all(account=account, granted=local, now=now)

    outbox_enqueue(
        [
            OutboxItem(
                enrollment.client, Kind.WELCOME, f"welcome:{enrollment.pk}", "courses:dashboard"
            )
        ],
        now=now,
    )
    return local


def _record_checkout_payment(
    *, account: BillingAccount, local: CheckoutSession, session: dict
) -> None:
    """The money a paid Checkout Session took, recorded whatever it grants, so billing staff
    can see and refund it: a one-time payment by its payment intent, or the subscription's first
    invoice (which its invoice.paid event then finds already recorded)."""
    amount, currency = session_paid(session)
    if amount <= 0:
        return
    if session.get("mode") == "payment" and stripe_id(session.get("payment_intent")):
        key = {"stripe_payment_intent_id": stripe_id(session.get("payment_intent"))}
    elif session.get("mode") == "subscription" and stripe_id(session.get("invoice")):
        key = {"stripe_invoice_id": stripe_id(session.get("invoice"))}
    else:
        return
    Payment.objects.get_or_create(
        **key,
        defaults={"account": account, "checkout": local, "amount": amount, "currency": currency},
    )


def _fulfil_refusal(*, account: BillingAccount, local: CheckoutSession, session: dict) -> str:
    """Why this paid session grants nothing ("" when it grants what it bought)."""
    if account.enrollment.status not in LIVE_ENROLLMENT:
        return "paid_after_cancel"
    paid_before = account.checkout_sessions.filter(fulfilled_at__isnull=False).exclude(pk=local.pk)
    if account.state != B.AWAITING_PAYMENT or paid_before.exists():
        return "already_paid"
    if session.get("mode") != local.mode:
        return "mode"
    amount, currency = session_paid(session)
    if currency != local.currency.lower():
        return "currency"
    if session.get("amount_total") != to_minor_units(local.amount, local.currency):
        return "amount"
    if local.mode == CheckoutSession.Mode.SUBSCRIPTION and not stripe_id(
        session.get("subscription")
    ):
        return "no_subscription"
    return ""


def _not_granted(
    *, account: BillingAccount, local: CheckoutSession, session: dict, why: str, now: datetime
) -> None:
    """A paid session that grants nothing: marked unmatched (so it is decided once) and put to
    billing staff and administrators, who refund or sort it out."""
    local.status = CheckoutSession.Status.UNMATCHED
    local.save(update_fields=["status"])
    if why == "paid_after_cancel":
        audit_record(
            action="billing.paid_after_cancel",
            subject=account.enrollment.client,
            target=account,
            metadata={"checkout": local.pk},
        )
        alert_billing_staff(account, reason="paid_after_cancel", now=now)
        return
    amount, currency = session_paid(session)
    alert_payment_mismatch(
        account,
        checkout=local,
        why=why,
        paid=amount,
        currency=currency,
        key=f"checkout{local.pk}",
        now=now,
    )


def _not_granted_after_all(
    *, account: BillingAccount, granted: CheckoutSession, now: datetime
) -> None:
    """The account's other checkouts that took money which waited for them to be fulfilled:
    another was granted instead, so each is unmatched and put to billing staff now, not when
    (or if) its own completion arrives."""
    waiting = (
        account.checkout_sessions.exclude(pk=granted.pk)
        .filter(fulfilled_at__isnull=True, payments__isnull=False)
        .exclude(status=CheckoutSession.Status.UNMATCHED)
        .distinct()
    )
    for other in waiting:
        other.status = CheckoutSession.Status.UNMATCHED
        other.save(update_fields=["status"])
        paid = sum(other.payments.values_list("amount", flat=True), Decimal("0.00"))
        alert_payment_mismatch(
            account,
            checkout=other,
            why="already_paid",
            paid=paid,
            currency=other.currency,
            key=f"checkout{other.pk}",
            now=now,
        )


def _grant(
    *,
    account: BillingAccount,
    local: CheckoutSession,
    session: dict,
    stripe_event_id: str,
    now: datetime,
) -> None:
    """The account takes what the session bought: its plan, its subscription (or none), and the
    billing state of its mode."""
    account.plan = local.plan
    customer = stripe_id(session.get("customer"))
    if customer:
        account.stripe_customer_id = customer
    subscription = local.mode == CheckoutSession.Mode.SUBSCRIPTION
    account.stripe_subscription_id = stripe_id(session.get("subscription")) if subscription else ""
    if subscription:
        # The first invoice, and any that came in before the completion, paid this checkout.
        account.paid_installments = local.payments.filter(
            stripe_invoice_id__isnull=False, amount=local.amount, currency=local.currency
        ).count()
    account.save(
        update_fields=["plan", "stripe_customer_id", "stripe_subscription_id", "paid_installments"]
    )
    billing_set_state(
        account=account,
        to=B.INSTALLMENTS_CURRENT if subscription else B.PAID_IN_FULL,
        reason="checkout_completed",
        now=now,
        stripe_event_id=stripe_event_id,
    )
    if subscription:
        installment_counted(account, event_id=stripe_event_id, now=now)


def _expire_open_checkouts(account: BillingAccount) -> None:
    """Close the account's open checkouts: here at once, at Stripe after commit (never a
    Stripe call under a row lock). One that Stripe has already taken payment for stays paid;
    its own event then decides what it grants."""
    open_ones = account.checkout_sessions.filter(status=CheckoutSession.Status.OPEN)
    stripe_ids = [
        stripe_session_id
        for stripe_session_id in open_ones.values_list("stripe_session_id", flat=True)
        if stripe_session_id
    ]
    open_ones.update(status=CheckoutSession.Status.EXPIRED)
    if stripe_ids:
        transaction.on_commit(lambda: _expire_at_stripe(stripe_ids))


def _expire_at_stripe(stripe_session_ids: list[str]) -> None:
    for stripe_session_id in stripe_session_ids:
        try:
            stripe_client.checkout_session_expire(stripe_session_id)
        except stripe_client.StripeUnavailable as exc:
            # It expires by itself within a day; a payment in between is decided by its event.
            logger.warning("could not close an earlier checkout at Stripe: %s", exc)


def _find_session(session: dict) -> CheckoutSession | None:
    """The local session of a Stripe Checkout Session: by our reference, else by Stripe's id."""
    reference = session.get("client_reference_id") or ""
    session_id = session.get("id") or ""
    local = None
    if isinstance(reference, str) and reference:
        local = CheckoutSession.objects.filter(reference=reference).first()
    if local is None and isinstance(session_id, str) and session_id:
        local = CheckoutSession.objects.filter(stripe_session_id=session_id).first()
    return local


def _remember_stripe_id(local: CheckoutSession, session: dict) -> None:
    session_id = session.get("id") or ""
    if not local.stripe_session_id and isinstance(session_id, str) and session_id:
        local.stripe_session_id = session_id
        local.save(update_fields=["stripe_session_id"])


@transaction.atomic
def checkout_close(*, session: dict, status: str) -> CheckoutSession | None:
    """An expired or failed Checkout Session: nothing was bought; the enrollment stays pending."""
    found = _find_session(session)
    if found is None:
        return None
    local = CheckoutSession.objects.select_for_update().get(pk=found.pk)
    _remember_stripe_id(local, session)
    if local.fulfilled_at is not None or local.status == CheckoutSession.Status.UNMATCHED:
        return local
    local.status = status
    local.save(update_fields=["status"])
    return local
