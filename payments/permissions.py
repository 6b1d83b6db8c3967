"""Who may open which billing record. Each gate returns the record or raises the same denied 404
for a missing one and a forbidden one (audit.access), so nobody learns that a record exists."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Capability, is_client_role, role_can
from audit.access import deny, gate

from .models import BillingAccount, CheckoutSession, Plan


def billing_accounts_in_console(*, user: User) -> QuerySet[BillingAccount]:
    """Every billing account, for someone who runs billing; none for anyone else."""
    accounts = BillingAccount.objects.select_related("plan", "enrollment__client")
    return accounts if role_can(user.role, Capability.BILLING_CONSOLE) else accounts.none()


def plans_in_console(*, user: User) -> QuerySet[Plan]:
    """Every plan, for someone who runs billing; none for anyone else."""
    plans = Plan.objects.select_related("track")
    return plans if role_can(user.role, Capability.BILLING_CONSOLE) else plans.none()


def access_plan(*, user: User, plan_id: int | str, for_write: bool = False) -> Plan:
    """The plan the billing console opens, or a denied 404."""
    return gate(
        plans_in_console(user=user),
        user=user,
        pk=plan_id,
        target_type="payments.plan",
        for_write=for_write,
    )


def access_billing_account(
    *, user: User, account_id: int | str, for_write: bool = False
) -> BillingAccount:
    """The billing account the billing console opens, or a denied 404."""
    return gate(
        billing_accounts_in_console(user=user),
        user=user,
        pk=account_id,
        target_type="payments.billingaccount",
        for_write=for_write,
    )


def own_billing_accounts(*, user: User) -> QuerySet[BillingAccount]:
    """The billing accounts of the person's own enrollments (with plan, track and payments),
    newest first; none for anyone who has no enrollment."""
    return (
        BillingAccount.objects.filter(enrollment__client_id=user.pk)
        .select_related("plan__track", "enrollment__track")
        .prefetch_related("payments")
        .order_by("-enrollment__created_at")
    )


def access_own_checkout(*, user: User, reference: str) -> CheckoutSession:
    """A checkout the person started, found by its opaque reference, or a denied 404 (someone
    else's and a made-up reference alike)."""
    session = (
        CheckoutSession.objects.select_related("account__enrollment", "account__plan")
        .filter(reference=reference, account__enrollment__client_id=user.pk)
        .first()
    )
    if session is None:
        deny(user=user, target_type="payments.checkout", target_id="reference")
    return session


def access_enrolling(*, user: User, plan: Plan | None = None) -> None:
    """Choosing a plan and paying are for clients: anyone else gets a denied 404 (about the
    plan, or about the way back to an unfinished one)."""
    if not is_client_role(user.role):
        deny(
            user=user,
            target_type="payments.plan",
            target_id=plan.pk if plan is not None else "unfinished",
        )
