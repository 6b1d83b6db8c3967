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


def _account(request, account_id):
    from audit.access import gate

    from .models import BillingAccount

    return gate(
        BillingAccount.objects.select_related("plan", "enrollment__client"),
        user=request.user,
        pk=account_id,
        target_type="payments.billingaccount",
    )


@capability_required(Capability.BILLING_CONSOLE)
@require_GET
def account_detail(request, account_id: int):
    import secrets

    account = _account(request, account_id)
    return render(
        request,
        "payments/account.html",
        {
            "account": account,
            "payments": account.payments.all(),
            "changes": account.changes.all(),
            "form_key": secrets.token_urlsafe(12),
        },
    )


@capability_required(Capability.BILLING_CONSOLE)
@reauthentication_required
def account_action(request, account_id: int, action: str):
    """Refund, waive an installment, or record an offline payment: each needs a fresh sign-in
    and a reason, and is audited."""
    from django.contrib import messages
    from django.http import HttpResponseNotAllowed
    from django.shortcuts import redirect

    from .services import (
        BillingActionError,
        billing_record_offline_payment,
        billing_refund,
        billing_waive_installment,
    )

    account = _account(request, account_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    reason = request.POST.get("reason", "").strip()
    try:
        if not reason or len(reason) > 200 or "\x00" in reason:
            raise BillingActionError("Give a short reason (up to 200 characters).")
        if action == "refund":
            payment = account.payments.filter(pk=request.POST.get("payment") or 0).first()
            if payment is None:
                raise BillingActionError("Choose a payment to refund.")
            billing_refund(
                payment=payment,
                amount=request.POST.get("amount", ""),
                reason=reason,
                key=request.POST.get("form_key", "")[:40],
                acting_user=request.user,
            )
            messages.success(request, "Refund requested. It shows here once Stripe confirms.")
        elif action == "waive":
            billing_waive_installment(
                account=account, reason=reason, acting_user=request.user, now=timezone.now()
            )
            messages.success(request, "Installment waived.")
        elif action == "offline":
            billing_record_offline_payment(
                account=account,
                amount=request.POST.get("amount", ""),
                reason=reason,
                acting_user=request.user,
                now=timezone.now(),
            )
            messages.success(request, "Payment recorded.")
        else:
            raise BillingActionError("Unknown action.")
    except (BillingActionError, ValueError, ArithmeticError) as exc:
        messages.error(request, str(exc) or "That did not work; nothing changed.")
    return redirect("payments:account", account_id=account.pk)


# Stripe signs at most a few hundred kilobytes; anything bigger is not a Stripe event.
MAX_WEBHOOK_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify the signature on the raw body, store the event once by id, answer 200 at once,
    and process it after commit through Celery. A bad, missing, stale or future-dated signature,
    or a signed body that is not a well-formed event (payments/webhook_envelope): 400, with
    nothing stored."""
    from .services import stripe_event_store
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
