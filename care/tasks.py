"""Care tasks: alerts to clinicians about their clients."""

from celery import shared_task
from django.utils import timezone

from .reminders import care_alerts_enqueue_due


@shared_task(name="care.tasks.evaluate_alerts", ignore_result=True)
def evaluate_alerts() -> int:
    """Enqueue every care alert now due by the rules (each at most once per period)."""
    return care_alerts_enqueue_due(now=timezone.now())
