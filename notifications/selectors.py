"""Reads of the outbox."""

from datetime import datetime

from django.db.models import Count, Min

from .models import Heartbeat, Notification, Status


def due_notification_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Pending rows whose time has come at `now`, oldest first."""
    return list(
        Notification.objects.filter(status=Status.PENDING, scheduled_for__lte=now)
        .order_by("scheduled_for")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_status(*, now: datetime) -> dict:
    """Backlog by status, the oldest due unsent message, failures, uncertain sends, beat health."""
    counts = dict(
        Notification.objects.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    oldest_due = Notification.objects.filter(
        status=Status.PENDING, scheduled_for__lte=now
    ).aggregate(at=Min("scheduled_for"))["at"]
    beat = Heartbeat.objects.filter(name="beat").first()
    beat_age = (now - beat.beat_at).total_seconds() if beat else None
    return {
        "counts": {status: counts.get(status, 0) for status in Status.values},
        "due_now": Notification.objects.filter(
            status=Status.PENDING, scheduled_for__lte=now
        ).count(),
        "oldest_due_at": oldest_due,
        "oldest_due_age_seconds": (now - oldest_due).total_seconds() if oldest_due else None,
        "beat_last_seen": beat.beat_at if beat else None,
        "beat_age_seconds": beat_age,
        "beat_stale": beat_age is None or beat_age > 180,
    }
