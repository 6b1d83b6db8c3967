"""Payment tasks: process stored webhook events (ids only)."""

from celery import shared_task
from django.utils import timezone

from .ledger import stripe_events_sweep
from .models import StripeEvent
from .services.billing import billing_enforce_grace
from .services.reconciliation import billing_reconcile
from .services.subscriptions import subscriptions_end_pending
from .services.webhooks import stripe_event_process

# After this many failed attempts an event waits for an operator (it stays `failed`).
MAX_ATTEMPTS = 10


@shared_task(
    name="payments.tasks.process_stripe_event",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def process_stripe_event(event_row_id: int) -> None:
    """Apply one stored Stripe event (idempotent; a no-op once processed)."""
    stripe_event_process(event_row_id=event_row_id, now=timezone.now())


@shared_task(name="payments.tasks.process_pending_events", ignore_result=True)
def process_pending_events() -> int:
    """Beat's safety net: events stored while the broker was down, or that failed, go again."""
    ids = list(
        StripeEvent.objects.filter(
            status__in=[StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED],
            attempts__lt=MAX_ATTEMPTS,
        ).values_list("pk", flat=True)[:500]
    )
    for event_row_id in ids:
        process_stripe_event.delay(event_row_id)
    return len(ids)


@shared_task(name="payments.tasks.enforce_grace", ignore_result=True)
def enforce_grace() -> int:
    """Pause new content for accounts past due beyond the grace period."""
    return billing_enforce_grace(now=timezone.now())


@shared_task(name="payments.tasks.end_paid_subscriptions", ignore_result=True)
def end_paid_subscriptions() -> int:
    """Retry ending subscriptions whose last installment is paid."""
    return subscriptions_end_pending()


@shared_task(name="payments.tasks.reconcile", ignore_result=True, soft_time_limit=600,
             time_limit=900)  # fmt: skip
def reconcile() -> dict:
    """Daily: compare local billing with Stripe and repair drift."""
    return billing_reconcile(now=timezone.now())


@shared_task(name="payments.tasks.sweep_stripe_events", ignore_result=True, soft_time_limit=600,
             time_limit=900)  # fmt: skip
def sweep_stripe_events() -> int:
    """Daily: delete processed and ignored webhook events past the retention period."""
    return stripe_events_sweep(now=timezone.now())
