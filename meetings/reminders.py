"""Reminders of upcoming sessions: one discreet message the day before and one 30 minutes
before, to each client of the session (its cohort's clients in the program, or the client of an
individual session), through the outbox and the client's preferences (both kinds can be switched
off on the preferences page). The message names no time, link or kind of session (L-1): it
opens the client's schedule through an opaque token.

Beat runs the sweep every five minutes (ehab/celery.py, "session-reminders"). A reminder is due
from 24 hours before the start ("the day before", until 2 hours before, so a session booked at
short notice gets only the second) and from 30 minutes before (until the start). The dedupe key
holds the session, the client and its start, so each is sent at most once, and a moved session
is reminded again at its new time. A cancelled session is never reminded; one whose reminder
would be held by the client's quiet hours until after it starts is skipped."""

from datetime import datetime, timedelta

from accounts.models import User
from courses.models import Enrollment
from notifications.models import DeliverySettings, Kind
from notifications.schedule import after_quiet_hours
from notifications.services import OutboxItem, outbox_enqueue

from .models import Occurrence, OccurrenceStatus
from .selectors import IN_PROGRAM

DAY_BEFORE = timedelta(hours=24)
DAY_BEFORE_UNTIL = timedelta(hours=2)
SOON = timedelta(minutes=30)


def _which(occurrence: Occurrence, now: datetime) -> tuple[str, str] | None:
    left = occurrence.starts_at - now
    if left <= SOON:
        return Kind.APPOINTMENT_SOON, "soon"
    if DAY_BEFORE_UNTIL < left <= DAY_BEFORE:
        return Kind.APPOINTMENT_REMINDER, "day"
    return None


def session_reminder_items(*, now: datetime) -> list[OutboxItem]:
    """The reminders due at `now` (four queries, whatever the number of sessions and clients)."""
    due = [
        (occurrence, which)
        for occurrence in Occurrence.objects.filter(
            starts_at__gt=now, starts_at__lte=now + DAY_BEFORE
        )
        .exclude(status=OccurrenceStatus.CANCELLED)
        .select_related("series")
        .order_by("starts_at", "pk")
        if (which := _which(occurrence, now)) is not None
    ]
    cohort_ids = {o.series.cohort_id for o, _ in due if o.series.cohort_id is not None}
    members: dict[int, list[int]] = {}
    for cohort_id, client_id in (
        Enrollment.objects.filter(cohort_id__in=cohort_ids, status__in=IN_PROGRAM)
        .values_list("cohort_id", "client_id")
        .distinct()
    ):
        members.setdefault(cohort_id, []).append(client_id)
    wanted: list[tuple[Occurrence, tuple[str, str], int]] = []
    for occurrence, which in due:
        series = occurrence.series
        if series.cohort_id is not None:
            wanted.extend((occurrence, which, pk) for pk in members.get(series.cohort_id, []))
        elif series.client_id is not None:
            wanted.append((occurrence, which, series.client_id))
    users = User.objects.filter(is_active=True).in_bulk({pk for _, _, pk in wanted})
    quiet = {row.user_id: row for row in DeliverySettings.objects.filter(user_id__in=users)}
    default_quiet = DeliverySettings()
    items = []
    for occurrence, (kind, label), client_id in wanted:
        user = users.get(client_id)
        if user is None:
            continue
        hours = quiet.get(client_id, default_quiet)
        sent_at = after_quiet_hours(
            now, tz=user.timezone, start=hours.quiet_start, end=hours.quiet_end
        )
        if sent_at >= occurrence.starts_at:
            continue
        start = int(occurrence.starts_at.timestamp())
        key = f"appointment:{label}:{occurrence.pk}:{client_id}:{start}"
        items.append(OutboxItem(user, kind, key, "meetings:mine"))
    return items


def session_reminders_enqueue_due(*, now: datetime) -> int:
    """Enqueue every session reminder due at `now`; returns how many rows were new."""
    return outbox_enqueue(session_reminder_items(now=now), now=now)
