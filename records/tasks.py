"""Records tasks: building a client's prepared copy (an id in, one service call)."""

import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .services import (
    record_export_build,
    record_export_fail,
    record_exports_expire_due,
    record_exports_stalled,
)

_log = logging.getLogger(__name__)


@shared_task(
    name="records.tasks.build_record_export",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
)
def build_record_export(export_id: int) -> None:
    """Build the copy `export_id` (idempotent: a copy no longer pending is left alone; a missing
    one is ignored). A database hiccup leaves it pending for beat's sweep to build again
    (records.services.record_exports_stalled); any other error marks it failed so the client
    can prepare another."""
    try:
        record_export_build(export_id=export_id, now=timezone.now())
    except OperationalError:
        _log.warning("record export %s left pending after a database error", export_id)
    except Exception:
        record_export_fail(export_id=export_id)
        raise


@shared_task(name="records.tasks.expire_record_exports", ignore_result=True)
def expire_record_exports() -> int:
    """Beat, every five minutes: clear the content of every copy whose link has expired
    (returns how many), and build again the copies a database hiccup left pending."""
    now = timezone.now()
    for export_id in record_exports_stalled(now=now):
        build_record_export.delay(export_id)
    return record_exports_expire_due(now=now)
