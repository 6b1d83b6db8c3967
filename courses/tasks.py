"""Course tasks: the release sweep and the course's reminder rules (ids in, one service each)."""

from celery import shared_task
from django.utils import timezone

from .reminders import course_reminders_enqueue_due
from .services.releases import release_sweep


@shared_task(name="courses.tasks.sweep_releases", ignore_result=True)
def sweep_releases() -> int:
    """Release every week now due, for every active enrollment (bulk, claim-safe)."""
    return release_sweep(now=timezone.now())


@shared_task(name="courses.tasks.evaluate_reminders", ignore_result=True)
def evaluate_reminders() -> int:
    """Enqueue every course reminder now due by the rules (each at most once per period)."""
    return course_reminders_enqueue_due(now=timezone.now())
