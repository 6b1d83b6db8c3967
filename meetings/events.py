"""What meetings announces (core/events.py). A higher app reacts by subscribing in its
AppConfig.ready(); meetings never imports it."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MissedInARow:
    """A client was just marked absent from a group session that is their second absence in a
    row (the two latest group sessions they have attendance for), inside the transaction that
    records it. care subscribes: the client's care team is alerted through the outbox, once per
    client and session."""

    client_id: int
    occurrence_id: int
    at: datetime  # when the attendance was recorded
