"""Measures' periodic task: the questionnaire reminders."""

from celery import shared_task
from django.utils import timezone

from .reminders import measure_reminders_enqueue_due


@shared_task(name="measures.tasks.evaluate_reminders", ignore_result=True)
def evaluate_reminders() -> int:
    """Enqueue each questionnaire reminder now due (each at most once per due date)."""
    return measure_reminders_enqueue_due(now=timezone.now())
