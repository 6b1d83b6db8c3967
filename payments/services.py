"""Billing writes: the allowed-transition map, checkout fulfilment shared by the webhook and the
success page, and the webhook event ledger's processing. Processing is idempotent, race-safe
(rows are locked) and tolerant of duplicates; clinical records are never touched."""

import contextlib
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from audit.services import audit_record
from courses.models import EnrollmentStatus
from courses.services.enrollment import enrollment_place, enrollment_set_status
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue

from .ledger import event_minimised
from .models import (
    BillingAccount,
    BillingStaffAction,
    BillingState,
    BillingStateChange,
    CheckoutSession,
    Payment,
    Plan,
    StripeEvent,
)
from .money import MoneyError, money_exact
from .stripe_client import from_minor_units, to_minor_units

logger = logging.getLogger(__name__)
B = BillingState
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    B.AWAITING_PAYMENT: frozenset({B.PAID_IN_FULL, B.INSTALLMENTS_CURRENT, B.CANCELLED}),
    B.PAID_IN_FULL: frozenset({B.REFUNDED, B.DISPUTED}),
    B.INSTALLMENTS_CURRENT: frozenset(
        {B.PAST_DUE, B.PAID_IN_FULL, B.CANCELLED, B.REFUNDED, B.DISPUTED}
    ),
    B.PAST_DUE: frozenset({B.INSTALLMENTS_CURRENT, B.CONTENT_PAUSED, B.CANCELLED, B.DISPUTED}),
    B.CONTENT_PAUSED: frozenset({B.INSTALLMENTS_CURRENT, B.CANCELLED, B.DISPUTED}),
    B.CANCELLED: frozenset(),
    B.REFUNDED: frozenset(),
    B.DISPUTED: frozenset({B.PAID_IN_FULL, B.INSTALLMENTS_CURRENT, B.REFUNDED}),
}


class BillingTransitionError(ValueError):
    """The billing state cannot move that way."""


def billing_set_state(
    *, account: BillingAccount, to: str, reason: str, now: datetime, stripe_event_id: str = ""
) -> BillingAccount:
    """Move a (locked) account along the transition map at `now`, with a log row and an audit
    event."""
    if account.state == to:
        return account
    if to not in ALLOWED_TRANSITIONS.get(account.state, frozenset()):
        raise BillingTransitionError(f"Billing cannot go from {account.state} to {to}.")
    BillingStateChange.objects.create(
        account=account,
        from_state=account.state,
        to_state=to,
        reason=reason,
        stripe_event_id=stripe_event_id,
    )
    old = account.state
    account.state = to
    account.updated_at = now
    if to == B.PAST_DUE:
        account.past_due_since = account.updated_at
    elif to not in (B.PAST_DUE, B.CONTENT_PAUSED):
        account.past_due_since = None
    account.save(update_fields=["state", "updated_at", "past_due_since"])
    if to == B.PAST_DUE:
        _alert_past_due(account, now=now)
    if old == B.CONTENT_PAUSED or to == B.CONTENT_PAUSED:
        # New weeks wait while paused; on resumption whatever is due opens at once.
        from courses.services.releases import enrollment_refresh_schedule

        enrollment = account.enrollment
        transaction.on_commit(lambda: enrollment_refresh_schedule(enrollment=enrollment, now=now))
    audit_record(
        action="billing.state_changed",
        subject=account.enrollment.client,
        target=account,
        metadata={"from": old, "to": to, "reason": reason},
    )
    return account


GRACE_PERIOD = timedelta(days=7)


def _staff_alerts(account: BillingAccount, *, reason: str, people) -> list[OutboxItem]:
    return [
        OutboxItem(person, Kind.BILLING_ALERT, f"billing_alert:{reason}:{person.pk}:{account.pk}")
        for person in people
    ]


def _alert_past_due(account: BillingAccount, *, now: datetime) -> None:
    """Tell the client discreetly, and alert billing staff and the client's clinicians."""
    from accounts.roles import Role
    from accounts.selectors import users_with_roles
    from care.models import CareAssignment

    client = account.enrollment.client
    day = now.astimezone(UTC).date()
    clinicians = [
        a.clinician
        for a in CareAssignment.objects.filter(client=client, is_active=True).select_related(
            "clinician"
        )
    ]
    outbox_enqueue(
        [
            OutboxItem(
                client, Kind.BILLING_PAST_DUE, f"past_due:{account.pk}:{day}", "billing:account"
            )
        ]
        + _staff_alerts(
            account,
            reason=f"past_due:{day}",
            people=[*users_with_roles(Role.BILLING), *clinicians],
        ),
        now=now,
    )


def _alert_billing_staff(account: BillingAccount, *, reason: str, now: datetime) -> None:
    """Alert billing staff and administrators (refunds, disputes, a payment after cancelling)."""
    from accounts.roles import Role
    from accounts.selectors import users_with_roles

    outbox_enqueue(
        _staff_alerts(account, reason=reason, people=users_with_roles(Role.BILLING, Role.ADMIN)),
        now=now,
    )


def billing_enforce_grace(*, now: datetime) -> int:
    """After the grace period, a past-due account pauses new content (what is released, the
    journal and the safety plan stay open). Returns how many accounts moved."""
    moved = 0
    ids = list(
        BillingAccount.objects.filter(
            state=B.PAST_DUE, past_due_since__lte=now - GRACE_PERIOD
        ).values_list("pk", flat=True)
    )
    for account_id in ids:
        with transaction.atomic():
            account = (
                BillingAccount.objects.select_for_update()
                .select_related("enrollment__client")
                .get(pk=account_id)
            )
            if account.state == B.PAST_DUE:
                billing_set_state(
                    account=account, to=B.CONTENT_PAUSED, reason="grace_ended", now=now
                )
                moved += 1
    return moved


# --- Fulfilment: what a paid checkout grants ------------------------------------------------------

LIVE_ENROLLMENT = (EnrollmentStatus.PENDING_PAYMENT, EnrollmentStatus.ACTIVE)


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
        enrollment_set_status(
            enrollment=enrollment, status=EnrollmentStatus.ACTIVE, acting_user=None, now=now
        )
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


def _stripe_id(value) -> str:
    """An id field of a Stripe object, whether it came as an id or expanded."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _session_paid(session: dict) -> tuple[Decimal, str]:
    """(amount, currency) a Stripe Checkout Session says was paid, as Decimal money."""
    currency = str(session.get("currency") or "").lower()
    total = session.get("amount_total")
    if not currency or not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return Decimal("0.00"), currency
    return from_minor_units(total, currency), currency


def _record_checkout_payment(*, account: BillingAccount, local: CheckoutSession, session: dict):
    """The money a paid Checkout Session took, recorded whatever it grants, so billing staff
    can see and refund it: a one-time payment by its payment intent, or the subscription's first
    invoice (which its invoice.paid event then finds already recorded)."""
    amount, currency = _session_paid(session)
    if amount <= 0:
        return
    if session.get("mode") == "payment" and _stripe_id(session.get("payment_intent")):
        key = {"stripe_payment_intent_id": _stripe_id(session.get("payment_intent"))}
    elif session.get("mode") == "subscription" and _stripe_id(session.get("invoice")):
        key = {"stripe_invoice_id": _stripe_id(session.get("invoice"))}
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
    amount, currency = _session_paid(session)
    if currency != local.currency.lower():
        return "currency"
    if session.get("amount_total") != to_minor_units(local.amount, local.currency):
        return "amount"
    if local.mode == CheckoutSession.Mode.SUBSCRIPTION and not _stripe_id(
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
        _alert_billing_staff(account, reason="paid_after_cancel", now=now)
        return
    amount, currency = _session_paid(session)
    _payment_mismatch(
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
        _payment_mismatch(
            account,
            checkout=other,
            why="already_paid",
            paid=paid,
            currency=other.currency,
            key=f"checkout{other.pk}",
            now=now,
        )


def _payment_mismatch(
    account: BillingAccount,
    *,
    checkout: CheckoutSession | None,
    why: str,
    paid: Decimal,
    currency: str,
    key: str,
    now: datetime,
) -> None:
    """Money that was paid but grants nothing (more): audited with the amounts, never content,
    and billing staff and administrators are alerted, once per `key`."""
    audit_record(
        action="billing.payment_mismatch",
        subject=account.enrollment.client,
        target=account,
        metadata={
            "checkout": checkout.pk if checkout else "",
            "why": why,
            "paid": str(paid),
            "currency": currency,
            "expected": str(checkout.amount) if checkout else "",
        },
    )
    _alert_billing_staff(account, reason=f"payment_mismatch:{key}", now=now)


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
    customer = _stripe_id(session.get("customer"))
    if customer:
        account.stripe_customer_id = customer
    subscription = local.mode == CheckoutSession.Mode.SUBSCRIPTION
    account.stripe_subscription_id = _stripe_id(session.get("subscription")) if subscription else ""
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
        _installment_counted(account, event_id=stripe_event_id, now=now)


def _expire_open_checkouts(account: BillingAccount) -> None:
    """Close the account's open checkouts: here at once, at Stripe after commit (never a
    Stripe call under a row lock). One that Stripe has already taken payment for stays paid;
    its own event then decides what it grants."""
    open_ones = account.checkout_sessions.filter(status=CheckoutSession.Status.OPEN)
    stripe_ids = list(
        open_ones.exclude(stripe_session_id__isnull=True).values_list(
            "stripe_session_id", flat=True
        )
    )
    open_ones.update(status=CheckoutSession.Status.EXPIRED)
    if stripe_ids:
        transaction.on_commit(lambda: _expire_at_stripe(stripe_ids))


def _expire_at_stripe(stripe_session_ids: list[str]) -> None:
    from . import stripe_client

    for stripe_session_id in stripe_session_ids:
        try:
            stripe_client.checkout_session_expire(stripe_session_id)
        except stripe_client.StripeUnavailable as exc:
            # It expires by itself within a day; a payment in between is decided by its event.
            logger.warning("could not close an earlier checkout at Stripe: %s", exc)


def _find_session(session: dict) -> CheckoutSession | None:
    """The local session of a Stripe Checkout Session: by our reference, else by Stripe's id."""
    reference = session.get("client_reference_id") or ""
    stripe_id = session.get("id") or ""
    local = None
    if isinstance(reference, str) and reference:
        local = CheckoutSession.objects.filter(reference=reference).first()
    if local is None and isinstance(stripe_id, str) and stripe_id:
        local = CheckoutSession.objects.filter(stripe_session_id=stripe_id).first()
    return local


def _remember_stripe_id(local: CheckoutSession, session: dict) -> None:
    stripe_id = session.get("id") or ""
    if not local.stripe_session_id and isinstance(stripe_id, str) and stripe_id:
        local.stripe_session_id = stripe_id
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


# --- The webhook ledger -----------------------------------------------------------------------


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


def _handle(event: dict, *, now: datetime) -> bool:
    """Apply one event; returns False when the type has no effect here."""
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        return False
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        checkout_fulfil(session=obj, stripe_event_id=event["id"], now=now)
        return True
    if kind == "checkout.session.async_payment_failed":
        checkout_close(session=obj, status=CheckoutSession.Status.FAILED)
        return True
    if kind == "checkout.session.expired":
        checkout_close(session=obj, status=CheckoutSession.Status.EXPIRED)
        return True
    handler = _HANDLERS.get(kind)
    if handler is None:
        return False
    return handler(obj, event["id"], now)


def _subscription_of_invoice(invoice: dict) -> tuple[str, dict]:
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


def _account_for_subscription(
    subscription_id: str, metadata: dict
) -> tuple[BillingAccount | None, bool]:
    """(the locked account, whether the subscription is the one it is on). An account is on a
    subscription only once a checkout that bought it was fulfilled (_grant). Before that, or
    for a checkout that granted nothing, the account is found by the opaque reference Stripe
    copies into the subscription's metadata, and nothing about its billing changes."""
    accounts = BillingAccount.objects.select_for_update().select_related(
        "plan", "enrollment__client"
    )
    if subscription_id:
        account = accounts.filter(stripe_subscription_id=subscription_id).first()
        if account is not None:
            return account, True
    reference = metadata.get("reference")
    if isinstance(reference, str) and reference:
        session = CheckoutSession.objects.filter(reference=reference).first()
        if session is not None:
            return accounts.get(pk=session.account_id), False
    return None, False


def _invoice_paid(invoice: dict, event_id: str, now: datetime) -> bool:
    """A paid invoice of one of our subscriptions: the money is recorded, and it counts as an
    installment only for the subscription the account is on, at the amount its checkout
    recorded, up to the plan's number of installments. An invoice of a checkout that may still
    be fulfilled waits for it (_grant counts it); any other is put to billing staff."""
    subscription_id, metadata = _subscription_of_invoice(invoice)
    account, own = _account_for_subscription(subscription_id, metadata)
    if account is None:
        return False  # e.g. a manual invoice with no subscription of ours
    currency = str(invoice.get("currency") or "").lower()
    minor = invoice.get("amount_paid")
    if not currency or not isinstance(minor, int) or isinstance(minor, bool) or minor <= 0:
        return True  # nothing was paid (a zero invoice): nothing to record or count
    amount = from_minor_units(minor, currency)
    fulfilled = account.checkout_sessions.filter(fulfilled_at__isnull=False).first()
    if own:
        checkout = fulfilled
    else:
        checkout = CheckoutSession.objects.filter(
            reference=metadata.get("reference"), account=account
        ).first()
    _payment, created = Payment.objects.get_or_create(
        stripe_invoice_id=invoice["id"],
        defaults={"account": account, "checkout": checkout, "amount": amount, "currency": currency},
    )
    if not created:
        return True

    def mismatch(why: str) -> bool:
        _payment_mismatch(
            account,
            checkout=checkout,
            why=why,
            paid=amount,
            currency=currency,
            key=str(invoice["id"])[:100],
            now=now,
        )
        return True

    # What one installment costs: as recorded by the checkout that bought the subscription (an
    # account granted before checkouts recorded it: its plan's amount).
    terms = checkout or account.plan
    if (amount, currency) != (terms.amount, terms.currency.lower()):
        return mismatch("amount")
    if not own:
        may_still_grant = (
            checkout is not None
            and fulfilled is None
            and checkout.status != CheckoutSession.Status.UNMATCHED
            and checkout.mode == CheckoutSession.Mode.SUBSCRIPTION
            and account.state == B.AWAITING_PAYMENT
        )
        return True if may_still_grant else mismatch("not_granted")
    if account.paid_installments >= account.plan.installments:
        # Charged after the last installment: the subscription should have ended. End it now;
        # the extra money is for billing staff to refund.
        _end_subscription(account)
        return mismatch("after_last_installment")
    account.paid_installments += 1
    account.save(update_fields=["paid_installments"])
    _installment_counted(account, event_id=event_id, now=now)
    return True


def _installment_counted(account: BillingAccount, *, event_id: str, now: datetime) -> None:
    """After an installment is counted: the last one makes the account paid in full and ends
    the subscription; any one brings a past-due account back."""
    if account.paid_installments >= account.plan.installments:
        if account.state != B.PAID_IN_FULL:
            if account.state == B.AWAITING_PAYMENT:
                billing_set_state(
                    account=account,
                    to=B.INSTALLMENTS_CURRENT,
                    reason="invoice_paid",
                    stripe_event_id=event_id,
                    now=now,
                )
            billing_set_state(
                account=account,
                to=B.PAID_IN_FULL,
                reason="last_installment",
                stripe_event_id=event_id,
                now=now,
            )
        _end_subscription(account)
    elif account.state in (B.PAST_DUE, B.CONTENT_PAUSED):
        billing_set_state(
            account=account,
            to=B.INSTALLMENTS_CURRENT,
            reason="payment_resumed",
            stripe_event_id=event_id,
            now=now,
        )


def _end_subscription(account: BillingAccount) -> None:
    """The installment subscription ends after the last paid invoice: marked here, ended after
    commit, and retried by beat until Stripe confirms."""
    if not account.stripe_subscription_id:
        return
    if not account.subscription_end_pending:
        account.subscription_end_pending = True
        account.save(update_fields=["subscription_end_pending"])
    account_id = account.pk
    transaction.on_commit(lambda: subscriptions_end_pending(account_ids=[account_id]))


def subscriptions_end_pending(*, account_ids=None) -> int:
    """End every subscription whose last installment is paid; returns how many ended. A Stripe
    failure leaves the mark in place for the next try (beat runs this every ten minutes); while
    Stripe is switched off nothing is tried and every mark stays."""
    from .stripe_client import StripeUnavailable, enabled, subscription_cancel

    if not enabled():
        return 0
    pending = BillingAccount.objects.filter(subscription_end_pending=True)
    if account_ids is not None:
        pending = pending.filter(pk__in=account_ids)
    ended = 0
    for account_id, subscription_id in pending.values_list("pk", "stripe_subscription_id"):
        try:
            subscription_cancel(subscription_id)
        except StripeUnavailable as exc:
            logger.warning("could not end a paid-up subscription yet: %s", exc)
            continue
        BillingAccount.objects.filter(pk=account_id).update(subscription_end_pending=False)
        ended += 1
    return ended


def _invoice_payment_failed(invoice: dict, event_id: str, now: datetime) -> bool:
    subscription_id, metadata = _subscription_of_invoice(invoice)
    account, own = _account_for_subscription(subscription_id, metadata)
    if account is None:
        return False
    if own and account.state == B.INSTALLMENTS_CURRENT:
        billing_set_state(
            account=account,
            to=B.PAST_DUE,
            reason="payment_failed",
            stripe_event_id=event_id,
            now=now,
        )
    return True


def _subscription_changed(subscription: dict, event_id: str, now: datetime) -> bool:
    account, own = _account_for_subscription(
        _stripe_id(subscription.get("id")), subscription.get("metadata") or {}
    )
    if account is None:
        return False
    if not own:
        return True  # not the subscription this account is on (yet): nothing changes
    status = subscription.get("status")
    if status == "past_due" and account.state == B.INSTALLMENTS_CURRENT:
        billing_set_state(
            account=account,
            to=B.PAST_DUE,
            reason="subscription_past_due",
            stripe_event_id=event_id,
            now=now,
        )
    elif status == "active" and account.state in (B.PAST_DUE, B.CONTENT_PAUSED):
        billing_set_state(
            account=account,
            to=B.INSTALLMENTS_CURRENT,
            reason="subscription_active",
            stripe_event_id=event_id,
            now=now,
        )
    return True


def _subscription_deleted(subscription: dict, event_id: str, now: datetime) -> bool:
    account, own = _account_for_subscription(
        _stripe_id(subscription.get("id")), subscription.get("metadata") or {}
    )
    if account is None:
        return False
    if not own:
        return True  # not the subscription this account is on (yet): nothing changes
    # Our own cancellation after the last installment leaves a paid-in-full account alone.
    if account.state not in (B.PAID_IN_FULL, B.CANCELLED, B.REFUNDED):
        billing_set_state(
            account=account,
            to=B.CANCELLED,
            reason="subscription_deleted",
            stripe_event_id=event_id,
            now=now,
        )
    return True


def _payment_for_charge(charge: dict) -> Payment | None:
    intent = charge.get("payment_intent") or ""
    if not intent:
        return None
    return (
        Payment.objects.select_for_update()
        .select_related("account__enrollment__client", "account__plan")
        .filter(stripe_payment_intent_id=intent)
        .first()
    )


def _charge_refunded(charge: dict, event_id: str, now: datetime) -> bool:
    payment = _payment_for_charge(charge)
    if payment is None:
        return False
    refunded = from_minor_units(charge.get("amount_refunded") or 0, charge["currency"])
    if refunded <= payment.refunded_amount:
        return True  # an older or repeated refund event
    payment.refunded_amount = refunded
    full = refunded >= payment.amount
    payment.status = Payment.Status.REFUNDED if full else Payment.Status.PARTIALLY_REFUNDED
    payment.save(update_fields=["refunded_amount", "status"])
    account = (
        BillingAccount.objects.select_for_update()
        .select_related("enrollment__client")
        .get(pk=payment.account_id)
    )
    _alert_billing_staff(account, reason=f"refund:{charge.get('id', '')}", now=now)
    if full and B.REFUNDED in ALLOWED_TRANSITIONS.get(account.state, frozenset()):
        billing_set_state(
            account=account, to=B.REFUNDED, reason="refunded", stripe_event_id=event_id, now=now
        )
    return True


def _dispute_created(dispute: dict, event_id: str, now: datetime) -> bool:
    payment = _payment_for_charge(dispute)
    if payment is None:
        return False
    payment.status = Payment.Status.DISPUTED
    payment.save(update_fields=["status"])
    account = (
        BillingAccount.objects.select_for_update()
        .select_related("enrollment__client")
        .get(pk=payment.account_id)
    )
    _alert_billing_staff(account, reason=f"dispute:{dispute.get('id', '')}", now=now)
    if B.DISPUTED in ALLOWED_TRANSITIONS.get(account.state, frozenset()):
        billing_set_state(
            account=account,
            to=B.DISPUTED,
            reason="dispute_created",
            stripe_event_id=event_id,
            now=now,
        )
    return True


_HANDLERS = {
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.deleted": _subscription_deleted,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
}


def stripe_event_process(*, event_row_id: int, now: datetime) -> str | None:
    """Process one stored event, once: locks the row, applies it in the same transaction, and
    records the outcome. A handler error rolls everything back, records the failure, and
    re-raises so the task retries. Returns the final status, or None if already done."""
    try:
        with transaction.atomic():
            row = StripeEvent.objects.select_for_update().get(pk=event_row_id)
            if row.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED):
                return None
            applied = _handle(row.payload, now=now)
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


# --- Starting a checkout ------------------------------------------------------------------------

AGREEMENT_VERSION = "2026-11"


class CheckoutError(ValueError):
    """The checkout cannot start (wrong audience, a live enrollment already, Stripe refused)."""


@transaction.atomic
def checkout_prepare(*, user, plan: Plan, now: datetime) -> CheckoutSession:
    """Record the agreements, and create (or reuse) the pending enrollment, its billing account
    and a fresh local checkout session for `plan`, with the terms it is for; the account's other
    open checkouts close (here, and at Stripe after commit). The Stripe call happens after
    commit. Raises CheckoutError when the enrollment cannot start or is already paid for."""
    from accounts.models import AgreementAcceptance
    from courses.models import Enrollment
    from courses.services.enrollment import EnrollmentError, enrollment_create

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
    from . import stripe_client

    plan = session.plan
    if not plan.stripe_price_id:
        raise CheckoutError("This plan is not available for online payment yet.")
    try:
        stripe_id, url = stripe_client.checkout_session_create(
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
    CheckoutSession.objects.filter(pk=session.pk).update(stripe_session_id=stripe_id)
    return url


def checkout_confirm(*, session: CheckoutSession, now: datetime) -> bool:
    """The success page's half of fulfilment: ask Stripe, then run the shared fulfil. True once
    the enrollment is granted (by this call or by the webhook before it)."""
    from . import stripe_client

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
    from courses.models import Enrollment

    return Enrollment.objects.filter(
        billing__checkout_sessions=session, status=EnrollmentStatus.ACTIVE
    ).exists()


def checkout_cancel(*, session: CheckoutSession, now: datetime) -> None:
    """The person left Checkout: nothing was charged; the pending enrollment is cancelled. The
    Stripe page is closed first, before any row is locked, so it can no longer take a payment;
    if Stripe is unreachable it expires by itself within a day, and fulfilment refuses a
    cancelled enrollment anyway."""
    from . import stripe_client

    current = CheckoutSession.objects.get(pk=session.pk)
    if current.fulfilled_at is not None or current.status == CheckoutSession.Status.UNMATCHED:
        return
    if current.stripe_session_id:
        with contextlib.suppress(stripe_client.StripeUnavailable):
            stripe_client.checkout_session_expire(current.stripe_session_id)
    _checkout_cancelled(session_id=session.pk, now=now)


@transaction.atomic
def _checkout_cancelled(*, session_id: int, now: datetime) -> None:
    from courses.services.enrollment import enrollment_set_status as set_status

    local = CheckoutSession.objects.select_for_update().get(pk=session_id)
    if local.fulfilled_at is not None or local.status == CheckoutSession.Status.UNMATCHED:
        return
    local.status = CheckoutSession.Status.EXPIRED
    local.save(update_fields=["status"])
    enrollment = local.account.enrollment
    if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
        set_status(
            enrollment=enrollment, status=EnrollmentStatus.CANCELLED, acting_user=None, now=now
        )


# --- Billing staff actions ------------------------------------------------------------------------


class BillingActionError(ValueError):
    """A billing staff action that cannot be done (shown to the person as a message)."""


def _staff_money(amount) -> Decimal:
    """The billing staff's amount, exact to the cent, or BillingActionError (the forms check
    first; this is the second line)."""
    try:
        return money_exact(amount)
    except MoneyError as exc:
        raise BillingActionError(str(exc)) from None


def _checked_reason(*, kind: str, reason: str, note: str) -> str:
    """The note, once the reason is one of the action's codes and the note fits; raises
    BillingActionError (the forms check first)."""
    if reason not in BillingStaffAction.REASONS[kind]:
        raise BillingActionError("Choose a reason from the list.")
    note = (note or "").strip()
    if len(note) > 200 or "\x00" in note:
        raise BillingActionError("Keep the note to 200 characters.")
    if reason == BillingStaffAction.Reason.OTHER and not note:
        raise BillingActionError("Say what the reason is.")
    return note


def billing_refund(
    *, payment: Payment, amount, reason: str, note: str = "", key: str, acting_user, now: datetime
) -> str:
    """Ask Stripe to refund all or part of a payment, exactly `amount` (whole cents, never
    rounded), at most once per form (`key`). The reason code and the note are kept on the
    billing record (BillingStaffAction); the audit row gets the code and the amount, never the
    note. The local payment changes when Stripe's charge.refunded event arrives. Raises
    BillingActionError."""
    from . import stripe_client

    kind = BillingStaffAction.Kind.REFUND
    note = _checked_reason(kind=kind, reason=reason, note=note)
    if not payment.stripe_payment_intent_id:
        raise BillingActionError("This payment was not made through Stripe; refund it offline.")
    amount = _staff_money(amount)
    left = payment.amount - payment.refunded_amount
    if amount > left:
        raise BillingActionError(f"Refund between 0.01 and {left} {payment.currency.upper()}.")
    try:
        refund_id = stripe_client.refund_create(
            payment_intent_id=payment.stripe_payment_intent_id,
            amount=amount,
            currency=payment.currency,
            key=f"refund-{payment.pk}-{key}",
        )
    except stripe_client.StripeDisabled as exc:
        raise BillingActionError(str(exc)) from exc
    except stripe_client.StripeUnavailable as exc:
        raise BillingActionError("Stripe did not accept the refund; nothing changed.") from exc
    with transaction.atomic():
        record = BillingStaffAction.objects.create(
            account_id=payment.account_id, payment=payment, kind=kind, reason=reason,
            note=note, amount=amount, actor=acting_user, created_at=now,
        )  # fmt: skip
        audit_record(
            action="billing.refund_requested",
            actor=acting_user,
            subject=payment.account.enrollment.client,
            target=payment,
            metadata={
                "amount": str(amount),
                "reason": reason,
                "record": record.pk,
                "refund": refund_id,
            },
        )
    return refund_id


@transaction.atomic
def billing_waive_installment(
    *, account: BillingAccount, reason: str, note: str = "", acting_user, now: datetime
) -> None:
    """Hardship: count one installment as paid without charging it; the reason code and note on
    the billing record, the code alone in the audit row. Raises BillingActionError."""
    kind = BillingStaffAction.Kind.WAIVE
    note = _checked_reason(kind=kind, reason=reason, note=note)
    account = (
        BillingAccount.objects.select_for_update()
        .select_related("plan", "enrollment__client")
        .get(pk=account.pk)
    )
    if account.plan.kind != Plan.Kind.INSTALLMENTS:
        raise BillingActionError("Only installment plans have installments to waive.")
    if account.paid_installments >= account.plan.installments:
        raise BillingActionError("Every installment is already paid.")
    account.paid_installments += 1
    account.save(update_fields=["paid_installments"])
    _after_hardship(account, reason="installment_waived", now=now)
    record = BillingStaffAction.objects.create(
        account=account, kind=kind, reason=reason, note=note, actor=acting_user, created_at=now
    )
    audit_record(
        action="billing.installment_waived",
        actor=acting_user,
        subject=account.enrollment.client,
        target=account,
        metadata={"reason": reason, "record": record.pk},
    )


@transaction.atomic
def billing_record_offline_payment(
    *, account: BillingAccount, amount, reason: str, note: str = "", acting_user, now: datetime
) -> tuple[Payment, int]:
    """A payment made outside Stripe (a check, a transfer), exactly `amount` (whole cents, never
    rounded); the reason code and note on the billing record, and the audit row with the amount
    stored and the code alone. On an installment plan it counts as as many installments as it
    pays in full (a smaller amount counts none, and does not bring a past-due account back).
    Returns the payment and the installments it counted; raises BillingActionError."""
    kind = BillingStaffAction.Kind.OFFLINE
    note = _checked_reason(kind=kind, reason=reason, note=note)
    amount = _staff_money(amount)
    account = (
        BillingAccount.objects.select_for_update()
        .select_related("plan", "enrollment__client")
        .get(pk=account.pk)
    )
    payment = Payment.objects.create(
        account=account, amount=amount, currency=account.plan.currency, paid_at=now
    )
    counted = 0
    if account.plan.kind == Plan.Kind.INSTALLMENTS:
        left = max(0, account.plan.installments - account.paid_installments)
        counted = min(left, int(amount // account.plan.amount))
        if counted:
            account.paid_installments += counted
            account.save(update_fields=["paid_installments"])
            _after_hardship(account, reason="offline_payment", now=now)
    record = BillingStaffAction.objects.create(
        account=account, payment=payment, kind=kind, reason=reason, note=note,
        amount=payment.amount, actor=acting_user, created_at=now,
    )  # fmt: skip
    audit_record(
        action="billing.offline_payment",
        actor=acting_user,
        subject=account.enrollment.client,
        target=payment,
        metadata={
            "amount": str(payment.amount),
            "currency": payment.currency,
            "installments": counted,
            "reason": reason,
            "record": record.pk,
        },
    )
    return payment, counted


def _after_hardship(account: BillingAccount, *, reason: str, now: datetime) -> None:
    if account.state in (B.PAST_DUE, B.CONTENT_PAUSED):
        billing_set_state(account=account, to=B.INSTALLMENTS_CURRENT, reason=reason, now=now)
    if (
        account.plan.kind == Plan.Kind.INSTALLMENTS
        and account.paid_installments >= account.plan.installments
        and account.state == B.INSTALLMENTS_CURRENT
    ):
        billing_set_state(account=account, to=B.PAID_IN_FULL, reason=reason, now=now)
        if account.stripe_subscription_id:
            account.subscription_end_pending = True
            account.save(update_fields=["subscription_end_pending"])


# --- Reconciliation ---------------------------------------------------------------------------

RECONCILE_LOOKBACK = timedelta(days=3)
LIVE_BILLING = (B.AWAITING_PAYMENT, B.INSTALLMENTS_CURRENT, B.PAST_DUE, B.CONTENT_PAUSED)


def billing_reconcile(*, now: datetime) -> dict[str, int]:
    """Compare local billing with Stripe and repair drift: events Stripe failed to deliver,
    subscription status, paid invoices we never heard about, failed local events, and paid-up
    subscriptions still running. Every step goes through the same idempotent handlers, so a
    second run changes nothing more. Returns what it did: nothing at all while Stripe is
    switched off."""
    from . import stripe_client

    report = {"events": 0, "subscriptions": 0, "invoices": 0, "retried": 0, "ended": 0}
    if not stripe_client.enabled():
        logger.info("reconcile: Stripe is switched off; nothing to compare")
        return report
    since = int((now - RECONCILE_LOOKBACK).timestamp())
    for event in stripe_client.undelivered_events(since=since):
        row, created = stripe_event_store(event=event)
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
        invoices = stripe_client.paid_invoices(subscription_id)
        for invoice in invoices:
            if Payment.objects.filter(stripe_invoice_id=invoice["id"]).exists():
                continue
            with transaction.atomic():
                if _invoice_paid(invoice, "reconcile", now):
                    report["invoices"] += 1
        subscription = stripe_client.subscription_retrieve(subscription_id)
        before = BillingAccount.objects.get(pk=account_id).state
        with transaction.atomic():
            if subscription.get("status") == "canceled":
                _subscription_deleted(subscription, "reconcile", now)
            else:
                _subscription_changed(subscription, "reconcile", now)
        if BillingAccount.objects.get(pk=account_id).state != before:
            report["subscriptions"] += 1
    report["ended"] = subscriptions_end_pending()
    return report
