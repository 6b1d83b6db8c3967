"""Stripe's webhook: public, POST only; its signature is the credential."""

from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.services.webhooks import stripe_event_store
from payments.stripe_client import InvalidWebhook, verify_webhook
from payments.tasks import process_stripe_event

# Stripe signs at most a few hundred kilobytes; anything bigger is not a Stripe event.
MAX_WEBHOOK_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify the signature on the raw body, store the event once by id, answer 200 at once,
    and process it after commit through Celery. A bad, missing, stale or future-dated signature,
    or a signed body that is not a well-formed event (payments/webhook_envelope): 400, with
    nothing stored."""
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
