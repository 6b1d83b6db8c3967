"""Records tasks: building a client's prepared copy (an id in, one service call)."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .services import record_export_build, record_export_fail, record_exports_expire_due


@shared_task(
    name="records.tasks.build_record_export",
    ignore_result=True,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    soft_time_limit=120,
    time_limit=150,
)
def build_record_export(self, export_id: int) -> None:
    """Build the copy `export_id` (idempotent: a copy no longer pending is left alone; a missing
    one is ignored). A database hiccup is retried; after the last try, or on any other
    error, the copy is marked failed so the client can prepare another."""
    try:
        record_export_build(export_id=export_id, now=timezone.now())
    except OperationalError as exc:
        if self.request.retries >= self.max_retries:
            record_export_fail(export_id=export_id)
            raise
        raise self.retry(exc=exc, countdown=30) from exc
    except Exception:
        record_export_fail(export_id=export_id)
        raise


@shared_task(name="records.tasks.expire_record_exports", ignore_result=True)
def expire_record_exports() -> int:
    """Clear the content of every copy whose link has expired (beat, hourly)."""
    return record_exports_expire_due(now=timezone.now())
