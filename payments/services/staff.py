"""What billing staff do by hand from the billing console: ask Stripe for a refund, waive an
installment for hardship, record a payment made outside Stripe. Each takes a reason code and an
optional note (kept on the billing record, never in the audit trail), amounts exact to the cent;
each raises BillingActionError for what cannot be done. The refund asks Stripe before anything
is written, with no row locked."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from payments import stripe_client
from payments.models import BillingAccount, BillingStaffAction, BillingState, Payment, Plan
from payments.money import MoneyError, money_exact

from .billing import billing_set_state

B = BillingState


class BillingActionError(ValueError):
    """A billing staff action that cannot be done (shown to the person as a message)."""


def _staff_money(amount: object) -> Decimal:
    """The billing staff's amount, exact to the cent, or BillingActionError (the forms check
    first; this is the second line)."""
    try:
        return money_exact(amount)
    except MoneyError as exc:
        raise BillingActionError(str(exc)) from None


def _checked_reason(*, kind: BillingStaffAction.Kind, reason: str, note: str) -> str:
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
    *,
    payment: Payment,
    amount: object,
    reason: str,
    note: str = "",
    key: str,
    acting_user: User,
    now: datetime,
) -> str:
    """Ask Stripe to refund all or part of a payment, exactly `amount` (whole cents, never
    rounded), at most once per form (`key`). The reason code and the note are kept on the
    billing record (BillingStaffAction); the audit row gets the code and the amount, never the
    note. The local payment changes when Stripe's charge.refunded event arrives. Raises
    BillingActionError."""
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
    *, account: BillingAccount, reason: str, note: str = "", acting_user: User, now: datetime
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
    *,
    account: BillingAccount,
    amount: object,
    reason: str,
    note: str = "",
    acting_user: User,
    now: datetime,
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
