"""Care tasks: alerts to clinicians about their clients."""

from celery import shared_task
from django.utils import timezone

from .reminders import care_alerts_enqueue_due
from .services import risk_flags_escalate_due


@shared_task(name="care.tasks.evaluate_alerts", ignore_result=True)
def evaluate_alerts() -> int:
    """Enqueue every care alert now due by the rules (each at most once per period)."""
    return care_alerts_enqueue_due(now=timezone.now())


@shared_task(name="care.tasks.escalate_risk_flags", ignore_result=True)
def escalate_risk_flags() -> int:
    """Escalate, once each, the risk flags nobody acknowledged in time (S-5)."""
    return risk_flags_escalate_due(now=timezone.now())
