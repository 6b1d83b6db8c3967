"""Course tasks: the release sweep."""

from celery import shared_task


@shared_task(name="courses.tasks.sweep_releases", ignore_result=True)
def sweep_releases() -> int:
    """Release every week now due, for every active enrollment (bulk, claim-safe)."""
    from django.utils import timezone

    from .services.releases import release_sweep

    return release_sweep(now=timezone.now())
