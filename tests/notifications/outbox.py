"""Delivering the outbox in a test, as the relay and a worker would."""

from datetime import datetime

from django.utils import timezone

from notifications.models import ACCOUNT_KINDS, Notification
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


def deliver_account_mail(*, now: datetime | None = None) -> list[str | None]:
    """Deliver the account emails due at `now` and nothing else (a seeded site has other
    messages waiting too)."""
    now = now or timezone.now()
    due = Notification.objects.filter(pk__in=due_notification_ids(now=now), kind__in=ACCOUNT_KINDS)
    return [
        notification_deliver(notification_id=pk, now=now)
        for pk in due.order_by("pk").values_list("pk", flat=True)
    ]
