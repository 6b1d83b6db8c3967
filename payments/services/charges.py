"""Money Stripe gives back or has taken back, as its events report it: a refund (asked by
billing staff, in the portal or at Stripe) and a dispute. Billing staff are alerted either way."""

from datetime import datetime

from payments.models import BillingAccount, BillingState, Payment
from payments.stripe_client import from_minor_units

from .billing import ALLOWED_TRANSITIONS, alert_billing_staff, billing_set_state

B = BillingState


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


def _locked_account(payment: Payment) -> BillingAccount:
    return (
        BillingAccount.objects.select_for_update()
        .select_related("enrollment__client")
        .get(pk=payment.account_id)
    )


def charge_refunded(*, charge: dict, event_id: str, now: datetime) -> bool:
    """A charge was refunded, in part or in full: the payment records how much; a full refund
    makes the account refunded where the transition map allows. Returns False when the charge
    paid for nothing of ours."""
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
    account = _locked_account(payment)
    alert_billing_staff(account, reason=f"refund:{charge.get('id', '')}", now=now)
    if full and B.REFUNDED in ALLOWED_TRANSITIONS.get(account.state, frozenset()):
        billing_set_state(
            account=account, to=B.REFUNDED, reason="refunded", stripe_event_id=event_id, now=now
        )
    return True


def dispute_created(*, dispute: dict, event_id: str, now: datetime) -> bool:
    """The payer disputed a charge: the payment and, where the map allows, the account are
    marked disputed. Returns False when the charge paid for nothing of ours."""
    payment = _payment_for_charge(dispute)
    if payment is None:
        return False
    payment.status = Payment.Status.DISPUTED
    payment.save(update_fields=["status"])
    account = _locked_account(payment)
    alert_billing_staff(account, reason=f"dispute:{dispute.get('id', '')}", now=now)
    if B.DISPUTED in ALLOWED_TRANSITIONS.get(account.state, frozenset()):
        billing_set_state(
            account=account,
            to=B.DISPUTED,
            reason="dispute_created",
            stripe_event_id=event_id,
            now=now,
        )
    return True
