"""The billing console (/billing/), for billing staff and administrators: accounts by billing
state, the past-due queue, and per account the staff actions. No clinical content, ever."""

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from courses.models import LIVE_STATUSES, Enrollment, EnrollmentSource
from payments.forms import ACTION_FORMS
from payments.models import BillingState, Plan
from payments.permissions import access_billing_account, billing_accounts_in_console
from payments.services.staff import (
    BillingActionError,
    billing_record_offline_payment,
    billing_refund,
    billing_waive_installment,
)


@capability_required(Capability.BILLING_CONSOLE)
@require_GET
def console(request):
    """Enrollments by billing state and the past-due queue."""
    state = request.GET.get("state", "")
    if state not in BillingState.values:
        state = ""
    visible = billing_accounts_in_console(user=request.user)
    counts = dict(visible.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    accounts = visible.order_by("pk")
    if state:
        accounts = accounts.filter(state=state)
    past_due = visible.filter(
        state__in=[BillingState.PAST_DUE, BillingState.CONTENT_PAUSED]
    ).order_by("past_due_since")
    return render(
        request,
        "payments/console.html",
        {
            "states": [(s, label, counts.get(s, 0)) for s, label in BillingState.choices],
            "state": state,
            "accounts": accounts[:200],
            "past_due": past_due[:200],
            # Enrolled by an administrator without online payment: never billed.
            "manual_count": Enrollment.objects.filter(
                source=EnrollmentSource.MANUAL, status__in=LIVE_STATUSES
            ).count(),
        },
    )


def _account_page(request, account, *, bound: tuple[str, forms.Form] | None = None):
    """The account with an empty form per action, or with the one just refused and its errors."""
    action_forms: dict[str, forms.Form] = {
        name: form(account=account, auto_id=f"{name}-%s") for name, form in ACTION_FORMS.items()
    }
    if bound is not None:
        action_forms[bound[0]] = bound[1]
    return render(
        request,
        "payments/account.html",
        {
            "account": account,
            "payments": account.payments.all(),
            "changes": account.changes.all(),
            "staff_actions": account.staff_actions.select_related("actor", "payment"),
            "forms": action_forms,
        },
    )


@capability_required(Capability.BILLING_CONSOLE)
@require_GET
def account_detail(request, account_id: int):
    return _account_page(request, access_billing_account(user=request.user, account_id=account_id))


@capability_required(Capability.BILLING_CONSOLE)
@reauthentication_required
def account_action(request, account_id: int, action: str):
    """Refund, waive an installment, or record an offline payment: each needs a fresh sign-in,
    a valid form (amounts exact to the cent) and a reason, and is audited. A refused form comes
    back with its errors and nothing changed."""
    account = access_billing_account(user=request.user, account_id=account_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if action not in ACTION_FORMS:
        raise Http404("No such action.")
    form = ACTION_FORMS[action](request.POST, account=account, auto_id=f"{action}-%s")
    if not form.is_valid():
        return _account_page(request, account, bound=(action, form))
    data = form.cleaned_data
    try:
        if action == "refund":
            billing_refund(
                payment=data["payment"],
                amount=data["amount"],
                reason=data["reason"],
                note=data["note"],
                key=data["form_key"],
                acting_user=request.user,
                now=timezone.now(),
            )
            messages.success(request, "Refund requested. It shows here once Stripe confirms.")
        elif action == "waive":
            billing_waive_installment(
                account=account,
                reason=data["reason"],
                note=data["note"],
                acting_user=request.user,
                now=timezone.now(),
            )
            messages.success(request, "Installment waived.")
        else:
            payment, counted = billing_record_offline_payment(
                account=account,
                amount=data["amount"],
                reason=data["reason"],
                note=data["note"],
                acting_user=request.user,
                now=timezone.now(),
            )
            messages.success(request, _offline_recorded(payment, counted, account))
    except BillingActionError as exc:
        form.add_error(None, str(exc))
        return _account_page(request, account, bound=(action, form))
    return redirect("billing:account", account_id=account.pk)


def _offline_recorded(payment, counted: int, account) -> str:
    recorded = f"Payment of {payment.amount} {payment.currency.upper()} recorded."
    if account.plan.kind != Plan.Kind.INSTALLMENTS:
        return recorded
    if counted == 0 and payment.amount < account.plan.amount:
        return f"{recorded} It is less than one installment, so none was counted."
    if counted == 0:
        return f"{recorded} Every installment was already counted."
    return f"{recorded} It counts as {counted} installment{'s' if counted > 1 else ''}."
