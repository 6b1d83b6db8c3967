"""Celery tasks: thin adapters that take ids (never content), fetch, and call one service.

Options come from settings (acks_late, reject_on_worker_lost, JSON, time limits). No task is
ever scheduled with a long countdown or eta: waiting is done by rows in the database
(`scheduled_for`) that the beat relay picks up, because on Redis a long-delayed task is
redelivered after the visibility timeout and would run twice.
"""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="notifications.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Record that beat (and a worker) are alive, in the database shared by every host."""
    from .models import Heartbeat

    Heartbeat.objects.update_or_create(name="beat", defaults={"beat_at": timezone.now()})


@shared_task(name="notifications.tasks.relay_due_notifications", ignore_result=True)
def relay_due_notifications() -> int:
    """Fan out one delivery task per due outbox row (claiming happens in the delivery)."""
    from .selectors import due_notification_ids

    ids = due_notification_ids(now=timezone.now())
    for notification_id in ids:
        deliver_notification.delay(notification_id)
    return len(ids)


@shared_task(
    name="notifications.tasks.deliver_notification",
    ignore_result=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def deliver_notification(notification_id: int) -> None:
    """Send one outbox row if it is still due and unclaimed; a no-op otherwise."""
    from .services import notification_deliver

    status = notification_deliver(notification_id=notification_id, now=timezone.now())
    if status is not None:
        logger.info("notification %s: %s", notification_id, status)


@shared_task(name="notifications.tasks.recover_stale_sends", ignore_result=True)
def recover_stale_sends() -> dict:
    """Settle rows left in `sending` by a worker that died (pending again, or uncertain), and
    delete sealed account emails whose time ran out unsent."""
    from .services import account_mail_purge_expired, notifications_recover_stale

    now = timezone.now()
    result = notifications_recover_stale(now=now)
    result["expired"] = account_mail_purge_expired(now=now)
    return result


@shared_task(name="notifications.tasks.evaluate_reminders", ignore_result=True)
def evaluate_reminders() -> int:
    """Enqueue every reminder now due by the rules (each at most once per period)."""
    from .reminders import reminders_enqueue_due

    return reminders_enqueue_due(now=timezone.now())
