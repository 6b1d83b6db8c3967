"""The billing console. Enrollments by billing state arrive in [4/4]; the page exists now."""

from allauth.account.decorators import reauthentication_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import capability_required
from accounts.roles import Capability

from .permissions import access_billing_account


@capability_required(Capability.BILLING_CONSOLE)
@require_GET
def console(request):
    """Enrollments by billing state and the past-due queue. No clinical content, ever."""
    from django.db.models import Count

    from .models import BillingAccount, BillingState

    state = request.GET.get("state", "")
    if state not in BillingState.values:
        state = ""
    counts = dict(
        BillingAccount.objects.values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    accounts = BillingAccount.objects.select_related("plan", "enrollment__client").order_by("pk")
    if state:
        accounts = accounts.filter(state=state)
    past_due = (
        BillingAccount.objects.filter(
            state__in=[BillingState.PAST_DUE, BillingState.CONTENT_PAUSED]
        )
        .select_related("plan", "enrollment__client")
        .order_by("past_due_since")
    )
    return render(
        request,
        "payments/console.html",
        {
            "states": [(s, label, counts.get(s, 0)) for s, label in BillingState.choices],
            "state": state,
            "accounts": accounts[:200],
            "past_due": past_due[:200],
        },
    )


def _account_page(request, account, *, bound: tuple[str, object] | None = None):
    """The account with an empty form per action, or with the one just refused and its errors."""
    from .forms import ACTION_FORMS

    action_forms = {
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
    from django.contrib import messages
    from django.http import Http404, HttpResponseNotAllowed
    from django.shortcuts import redirect

    from .forms import ACTION_FORMS
    from .services.staff import (
        BillingActionError,
        billing_record_offline_payment,
        billing_refund,
        billing_waive_installment,
    )

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
    return redirect("payments:account", account_id=account.pk)


def _offline_recorded(payment, counted: int, account) -> str:
    recorded = f"Payment of {payment.amount} {payment.currency.upper()} recorded."
    if account.plan.kind != "installments":
        return recorded
    if counted == 0 and payment.amount < account.plan.amount:
        return f"{recorded} It is less than one installment, so none was counted."
    if counted == 0:
        return f"{recorded} Every installment was already counted."
    return f"{recorded} It counts as {counted} installment{'s' if counted > 1 else ''}."


# Stripe signs at most a few hundred kilobytes; anything bigger is not a Stripe event.
MAX_WEBHOOK_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify the signature on the raw body, store the event once by id, answer 200 at once,
    and process it after commit through Celery. A bad, missing, stale or future-dated signature,
    or a signed body that is not a well-formed event (payments/webhook_envelope): 400, with
    nothing stored."""
    from .services.webhooks import stripe_event_store
    from .stripe_client import InvalidWebhook, verify_webhook
    from .tasks import process_stripe_event

    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isascii() or not length.isdigit():
        return HttpResponseBadRequest("bad length")
    if int(length) > MAX_WEBHOOK_BYTES:
        return HttpResponseBadRequest("too large")
    try:
        event = verify_webhook(
            request.body, request.headers.get("Stripe-Signature"), now=timezone.now()
        )
    except InvalidWebhook:
        return HttpResponseBadRequest("invalid event")
    row, created = stripe_event_store(event=event)
    if created:

        def enqueue():
            try:
                process_stripe_event.delay(row.pk)
            except Exception:  # noqa: BLE001 - broker down: beat's safety net picks it up
                return

        transaction.on_commit(enqueue)
    return HttpResponse("ok", content_type="text/plain")
