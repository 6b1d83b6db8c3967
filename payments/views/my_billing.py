"""The client's billing page (/me/billing/): plan, payments made, the next installment, and
"update card" through a Stripe Customer Portal session (where receipts also live)."""

from csp.decorators import csp_update
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from courses.models import LIVE_STATUSES, Enrollment, EnrollmentSource, EnrollmentStatus
from payments import stripe_client
from payments.models import BillingAccount, BillingState, CheckoutSession
from payments.permissions import own_billing_accounts

own_program = capability_required(Capability.OWN_PROGRAM)


def _never_paid_and_cancelled(account: BillingAccount) -> bool:
    """A plan chosen, then left before paying: nothing to bill, nothing to show."""
    return (
        account.enrollment.status == EnrollmentStatus.CANCELLED
        and account.state == BillingState.AWAITING_PAYMENT
        and not account.payments.all()
    )


@own_program
@require_GET
@csp_update({"form-action": ["https://billing.stripe.com"]})
def account(request):
    """The client's plans and payments. An enrollment still waiting for payment is shown only
    as unfinished, with the way back to paying, never as a plan being paid."""
    # A checkout that never reached Stripe (it could not start) can have charged nothing.
    reached_stripe = CheckoutSession.objects.filter(
        account=OuterRef("pk"), stripe_session_id__isnull=False
    )
    accounts = list(
        own_billing_accounts(user=request.user).annotate(nothing_charged=~Exists(reached_stripe))
    )
    unfinished = [a for a in accounts if a.enrollment.status == EnrollmentStatus.PENDING_PAYMENT]
    shown = [a for a in accounts if a not in unfinished and not _never_paid_and_cancelled(a)]
    # Enrollments made by an administrator without online payment (a scholarship or
    # insurance): nothing to pay, and no plan to choose.
    covered = list(
        Enrollment.objects.filter(
            client=request.user, source=EnrollmentSource.MANUAL, status__in=LIVE_STATUSES
        ).select_related("track")
    )
    return render(
        request,
        "payments/billing.html",
        {"accounts": shown, "unfinished_accounts": unfinished, "covered": covered},
    )


@own_program
def portal(request):
    """Open the Customer Portal. It is a button on the billing page; opening its address (a
    refresh, a bookmark) goes back to that page."""
    if request.method != "POST":
        return redirect("my_billing:account")
    billing = next(
        (a for a in own_billing_accounts(user=request.user) if a.stripe_customer_id), None
    )
    if billing is None:
        messages.info(request, "There are no card details on file yet.")
        return redirect("my_billing:account")
    try:
        url = stripe_client.portal_session_create(
            customer_id=billing.stripe_customer_id,
            return_url=request.build_absolute_uri("/me/billing/"),
        )
    except stripe_client.StripeDisabled as exc:
        messages.info(request, str(exc))
        return redirect("my_billing:account")
    except stripe_client.StripeUnavailable:
        messages.error(request, "We couldn't reach the payment service. Please try again.")
        return redirect("my_billing:account")
    return redirect(url)
