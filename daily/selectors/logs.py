"""Reads for the small logs' pages: each one query, whatever the client's history."""

from datetime import date

from django.db.models import QuerySet

from accounts.models import User

from ..models import PartsEntry, UrgeLog

RECENT_URGES = 5


def urges_on_day(*, client: User, day: date, limit: int = RECENT_URGES) -> list[UrgeLog]:
    """The last `limit` urges `client` logged on their local `day`, newest first (one query)."""
    return list(UrgeLog.objects.filter(client=client, day=day).order_by("-at", "-pk")[:limit])


def parts_entries(*, client: User) -> QuerySet[PartsEntry]:
    """The client's parts-journal entries, newest first (to be paginated)."""
    return PartsEntry.objects.filter(client=client).order_by("-at", "-pk")
