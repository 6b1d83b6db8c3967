"""Billing writes: the allowed-transition map, checkout fulfilment shared by the webhook and the
success page, and the webhook event ledger's processing. Processing is idempotent, race-safe
(rows are locked) and tolerant of duplicates; clinical records are never touched."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from courses.models import EnrollmentStatus
from courses.services.enrollment import enrollment_set_status

from .models import BillingAccount, BillingState, BillingStateChange, CheckoutSession, StripeEvent

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
    *, account: BillingAccount, to: str, reason: str, stripe_event_id: str = ""
) -> BillingAccount:
    """Move a (locked) account along the transition map, with a log row and an audit event."""
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
    account.updated_at = timezone.now()
    account.save(update_fields=["state", "updated_at"])
    audit_record(
        action="billing.state_changed",
        subject=account.enrollment.client,
        target=account,
        metadata={"from": old, "to": to, "reason": reason},
    )
    return account


@transaction.atomic
def checkout_fulfil(*, session: dict, stripe_event_id: str = "") -> CheckoutSession | None:
    """Grant what a completed, paid Checkout Session bought; the one fulfilment that the
    webhook and the success page share, so either may come first. Returns the local session, or
    None if the Stripe session is not ours. Idempotent: a fulfilled session is left alone."""
    local = _lock_session(session)
    if local is None:
        return None
    if local.fulfilled_at is not None:
        return local
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if session.get("status") != "complete" or not paid:
        return local  # e.g. a delayed payment method: wait for async_payment_succeeded
    account = (
        BillingAccount.objects.select_for_update()
        .select_related("enrollment__client", "plan")
        .get(pk=local.account_id)
    )
    account.stripe_customer_id = session.get("customer") or account.stripe_customer_id
    if session.get("mode") == "subscription":
        account.stripe_subscription_id = session.get("subscription") or ""
    account.save(update_fields=["stripe_customer_id", "stripe_subscription_id"])
    target = B.PAID_IN_FULL if account.plan.kind == "full" else B.INSTALLMENTS_CURRENT
    billing_set_state(
        account=account, to=target, reason="checkout_completed", stripe_event_id=stripe_event_id
    )
    enrollment = account.enrollment
    if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
        enrollment_set_status(
            enrollment=enrollment, status=EnrollmentStatus.ACTIVE, acting_user=None
        )
    local.status = CheckoutSession.Status.COMPLETE
    local.fulfilled_at = timezone.now()
    local.save(update_fields=["status", "fulfilled_at"])
    from notifications.models import Kind
    from notifications.services import notification_enqueue

    notification_enqueue(
        user=enrollment.client,
        kind=Kind.WELCOME,
        dedupe_key=f"welcome:{enrollment.pk}",
        link_target="courses:dashboard",
    )
    return local


def _lock_session(session: dict) -> CheckoutSession | None:
    reference = session.get("client_reference_id") or ""
    stripe_id = session.get("id") or ""
    local = (
        CheckoutSession.objects.select_for_update().filter(reference=reference).first()
        if reference
        else None
    )
    if local is None and stripe_id:
        local = (
            CheckoutSession.objects.select_for_update().filter(stripe_session_id=stripe_id).first()
        )
    if local is not None and not local.stripe_session_id and stripe_id:
        local.stripe_session_id = stripe_id
        local.save(update_fields=["stripe_session_id"])
    return local


@transaction.atomic
def checkout_close(*, session: dict, status: str) -> CheckoutSession | None:
    """An expired or failed Checkout Session: nothing was bought; the enrollment stays pending."""
    local = _lock_session(session)
    if local is None or local.fulfilled_at is not None:
        return local
    local.status = status
    local.save(update_fields=["status"])
    return local


# --- The webhook ledger -----------------------------------------------------------------------


def stripe_event_store(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once by its id; returns (row, created)."""
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                api_version=event.get("api_version") or "",
                livemode=bool(event.get("livemode")),
                payload=event,
            )
            return row, True
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False


def _handle(event: dict) -> bool:
    """Apply one event; returns False when the type has no effect here."""
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        return False
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        checkout_fulfil(session=obj, stripe_event_id=event["id"])
        return True
    if kind == "checkout.session.async_payment_failed":
        checkout_close(session=obj, status=CheckoutSession.Status.FAILED)
        return True
    if kind == "checkout.session.expired":
        checkout_close(session=obj, status=CheckoutSession.Status.EXPIRED)
        return True
    return False


def stripe_event_process(*, event_row_id: int) -> str | None:
    """Process one stored event, once: locks the row, applies it in the same transaction, and
    records the outcome. A handler error rolls everything back, records the failure, and
    re-raises so the task retries. Returns the final status, or None if already done."""
    try:
        with transaction.atomic():
            row = StripeEvent.objects.select_for_update().get(pk=event_row_id)
            if row.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED):
                return None
            applied = _handle(row.payload)
            row.status = StripeEvent.Status.PROCESSED if applied else StripeEvent.Status.IGNORED
            row.attempts += 1
            row.processed_at = timezone.now()
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
