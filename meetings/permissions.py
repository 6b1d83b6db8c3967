"""Gates to sessions."""

from audit.access import gate

from .models import Occurrence, SessionSeries
from .selectors import occurrences_of_client, series_of_client


def access_client_occurrence(*, user, occurrence_id, for_write: bool = False) -> Occurrence:
    """One of the client's own sessions, with its series, or a denied 404 (A-1): anyone else's
    session and a missing one look the same."""
    return gate(
        occurrences_of_client(client=user).select_related("series"),
        user=user,
        pk=occurrence_id,
        target_type="meetings.occurrence",
        for_write=for_write,
    )


def access_client_series(*, user, series_id) -> SessionSeries:
    """One of the client's own series, or a denied 404 (A-1)."""
    return gate(
        series_of_client(client=user),
        user=user,
        pk=series_id,
        target_type="meetings.sessionseries",
    )
