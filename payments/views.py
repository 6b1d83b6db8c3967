"""The billing console. Enrollments by billing state arrive in [4/4]; the page exists now."""

from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import capability_required
from accounts.roles import Capability


@capability_required(Capability.BILLING_CONSOLE)
@require_GET
def console(request):
    return render(request, "payments/console.html")


# Stripe signs at most a few hundred kilobytes; anything bigger is not a Stripe event.
MAX_WEBHOOK_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify the signature on the raw body, store the event once by id, answer 200 at once,
    and process it after commit through Celery. A bad, missing or stale signature: 400."""
    from .services import stripe_event_store
    from .stripe_client import InvalidWebhook, verify_webhook
    from .tasks import process_stripe_event

    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WEBHOOK_BYTES:
        return HttpResponseBadRequest("too large")
    try:
        event = verify_webhook(request.body, request.headers.get("Stripe-Signature"))
    except InvalidWebhook:
        return HttpResponseBadRequest("invalid signature")
    row, created = stripe_event_store(event=event)
    if created:

        def enqueue():
            try:
                process_stripe_event.delay(row.pk)
            except Exception:  # noqa: BLE001 - broker down: beat's safety net picks it up
                return

        transaction.on_commit(enqueue)
    return HttpResponse("ok", content_type="text/plain")
