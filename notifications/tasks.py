"""Notification tasks. The outbox relay arrives in [3/4]; the beat heartbeat exists now."""

import time

from celery import shared_task
from django.conf import settings


@shared_task(name="notifications.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Touch the heartbeat file so operators can see that beat and a worker are alive."""
    path = settings.EHAB_BEAT_HEARTBEAT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(int(time.time())))
