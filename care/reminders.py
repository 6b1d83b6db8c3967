"""The care team's alerts about their clients, enqueued through the outbox (at most once per
period by dedupe key)."""

from datetime import datetime

from courses.selectors import inactive_clients
from meetings.events import MissedInARow
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue

from .models import CareAssignment
from .selectors.caseload import caseload_row_anchor


def inactivity_alert_items(now: datetime) -> list[OutboxItem]:
    """A client has not signed in for seven days: an alert to each of their clinicians, once per
    absence. Its link opens the caseload at that client's row (an opaque anchor, never an id:
    L-2), where the row is highlighted."""
    away = {a.client.pk: a for a in inactive_clients(now=now)}
    return [
        OutboxItem(
            assignment.clinician,
            Kind.INACTIVITY_ALERT,
            f"inactive_alert:{assignment.clinician_id}:{assignment.client_id}:"
            f"{away[assignment.client_id].since}",
            link_target="care:caseload",
            link_anchor=caseload_row_anchor(client_id=assignment.client_id),
        )
        for assignment in CareAssignment.objects.filter(
            client_id__in=away, is_active=True
        ).select_related("clinician")
    ]


def absence_alert(event: MissedInARow) -> int:
    """A client has missed two group sessions in a row (meetings announces it as the second
    absence is recorded, in that transaction): an alert to each of their clinicians, once per
    client and session, discreet like the inactivity alert and opening the caseload at their
    row. Returns how many outbox rows were new."""
    items = [
        OutboxItem(
            assignment.clinician,
            Kind.ABSENCE_ALERT,
            f"absence_alert:{assignment.clinician_id}:{event.client_id}:{event.occurrence_id}",
            link_target="care:caseload",
            link_anchor=caseload_row_anchor(client_id=event.client_id),
        )
        for assignment in CareAssignment.objects.filter(
            client_id=event.client_id, is_active=True
        ).select_related("clinician")
    ]
    return outbox_enqueue(items, now=event.at)


def care_alerts_enqueue_due(*, now: datetime) -> int:
    """Run every care alert rule at `now`; returns how many new outbox rows were written."""
    return outbox_enqueue(inactivity_alert_items(now), now=now)
