"""What the audit trail page reads: events newest first, filtered by person (as the one who acted
or the one concerned), action, outcome and time. A page is one query, whatever the trail's
length (no count of a table that only grows: the page asks for one row more than it shows to
know whether there is an older page)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from accounts.models import User
from audit.models import AuditEvent


@dataclass(frozen=True)
class TrailPage:
    events: list[AuditEvent]
    number: int
    has_older: bool


def audit_trail_page(
    *,
    person: User | None = None,
    action: str = "",
    outcome: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    number: int = 1,
    per_page: int = 50,
) -> TrailPage:
    """Page `number` (from 1) of the events that match, newest first; `action` matches an action
    name or the start of one (``care.`` for every care action); `until` is exclusive."""
    events = AuditEvent.objects.select_related("actor", "subject").order_by("-occurred_at", "-id")
    if person is not None:
        events = events.filter(Q(actor=person) | Q(subject=person))
    if action:
        events = events.filter(action__startswith=action)
    if outcome:
        events = events.filter(outcome=outcome)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    start = (number - 1) * per_page
    rows = list(events[start : start + per_page + 1])
    return TrailPage(events=rows[:per_page], number=number, has_older=len(rows) > per_page)
