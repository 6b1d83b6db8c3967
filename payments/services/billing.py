"""An account's billing state: the allowed-transition map and its one writer, the alerts a
transition or a stray payment sends, and the grace period that pauses new weeks."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import users_with_roles
from audit.services import audit_record
from care.models import CareAssignment
from care.selectors.caseload import caseload_row_anchor
from courses.services.releases import enrollment_hold_new_weeks, enrollment_lift_new_weeks_hold
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue
from payments.models import BillingAccount, BillingState, BillingStateChange, CheckoutSession

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
    if to == B.CONTENT_PAUSED:
        # New weeks wait while paused (courses keeps the hold); what is open stays open.
        enrollment_hold_new_weeks(enrollment=account.enrollment, now=now)
    elif old == B.CONTENT_PAUSED:
        # On resumption whatever is due opens at once.
        enrollment_lift_new_weeks_hold(enrollment=account.enrollment, now=now)
    audit_record(
        action="billing.state_changed",
        subject=account.enrollment.client,
        target=account,
        metadata={"from": old, "to": to, "reason": reason},
    )
    return account


# --- Alerts ---------------------------------------------------------------------------------


def _staff_alerts(
    account: BillingAccount,
    *,
    reason: str,
    people: Iterable[User],
    clinicians: Iterable[User] = (),
) -> list[OutboxItem]:
    """Billing staff (and administrators) land on the billing console; the client's clinicians
    on their caseload, at the client's row (an opaque anchor: L-2)."""
    row = caseload_row_anchor(client_id=account.enrollment.client_id)
    return [
        OutboxItem(
            person,
            Kind.BILLING_ALERT,
            f"billing_alert:{reason}:{person.pk}:{account.pk}",
            link_target="billing:console",
        )
        for person in people
    ] + [
        OutboxItem(
            person,
            Kind.BILLING_ALERT,
            f"billing_alert:{reason}:{person.pk}:{account.pk}",
            link_target="care:caseload",
            link_anchor=row,
        )
        for person in clinicians
    ]


def _alert_past_due(account: BillingAccount, *, now: datetime) -> None:
    """Tell the client discreetly, and alert billing staff and the client's clinicians."""
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
                client, Kind.BILLING_PAST_DUE, f"past_due:{account.pk}:{day}", "my_billing:account"
            )
        ]
        + _staff_alerts(
            account,
            reason=f"past_due:{day}",
            people=users_with_roles(Role.BILLING),
            clinicians=clinicians,
        ),
        now=now,
    )


def alert_billing_staff(account: BillingAccount, *, reason: str, now: datetime) -> None:
    """Alert billing staff and administrators (refunds, disputes, a payment after cancelling),
    once per `reason`."""
    outbox_enqueue(
        _staff_alerts(account, reason=reason, people=users_with_roles(Role.BILLING, Role.ADMIN)),
        now=now,
    )


def alert_payment_mismatch(
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
    alert_billing_staff(account, reason=f"payment_mismatch:{key}", now=now)


# --- The grace period -----------------------------------------------------------------------

GRACE_PERIOD = timedelta(days=7)


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
