"""A series as an iCalendar file (RFC 5545, built with the `icalendar` library) for the client's
own calendar: one event per session, in UTC, a neutral title ("Group session", "Appointment"),
no description, no location, no link and no word about the program (L-1: a calendar is read on
lock screens and shared devices). A cancelled session stays in the file marked CANCELLED, so a
calendar that imported it before drops it; a moved one is at its new time."""

from datetime import UTC, datetime

from django.conf import settings
from icalendar import Calendar, Event

from .models import Occurrence, OccurrenceStatus, SessionSeries
from .selectors import session_title


def series_calendar(
    *, series: SessionSeries, occurrences: list[Occurrence], now: datetime
) -> bytes:
    """The .ics bytes of `series` with `occurrences` (its sessions), stamped at `now`."""
    calendar = Calendar()
    calendar.add("prodid", "-//Calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title = session_title(series)
    stamp = now.astimezone(UTC)
    for occurrence in occurrences:
        event = Event()
        event.add("uid", f"session-{occurrence.pk}@{settings.EHAB_EMAIL_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", occurrence.starts_at.astimezone(UTC))
        event.add("dtend", occurrence.ends_at.astimezone(UTC))
        event.add("summary", title)
        cancelled = occurrence.status == OccurrenceStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", 0 if occurrence.changed_at is None else 1)
        calendar.add_component(event)
    return calendar.to_ical()
