"""Sessions' periodic task: the reminders."""

from celery import shared_task
from django.utils import timezone

from .reminders import session_reminders_enqueue_due


@shared_task(name="meetings.tasks.evaluate_reminders", ignore_result=True)
def evaluate_reminders() -> int:
    """Enqueue each session reminder now due (each at most once per session, client and start)."""
    return session_reminders_enqueue_due(now=timezone.now())
