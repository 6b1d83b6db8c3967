"""Delivering the outbox in a test, as the relay and a worker would."""

from datetime import datetime

from django.utils import timezone

from notifications.selectors import due_notification_ids
from notifications.services import notification_deliver


def deliver_outbox(*, now: datetime | None = None) -> list[str | None]:
    """Deliver every outbox row due at `now` (default: the test's clock) with the worker's
    service, one at a time; returns the final statuses. Account emails (sign-up confirmation,
    password reset) reach `django.core.mail.outbox` only through this."""
    now = now or timezone.now()
    return [
        notification_deliver(notification_id=pk, now=now) for pk in due_notification_ids(now=now)
    ]
