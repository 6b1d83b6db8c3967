"""What the daily app announces (core/events.py). A higher app reacts by subscribing in its
AppConfig.ready(); daily never imports it."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class CheckinUnsafe:
    """A client answered "no" to the check-in's "Are you safe tonight?", inside the
    transaction that stores the check-in. care raises its risk flag from here."""

    checkin_id: int
    client_id: int
    day: date
    at: datetime  # when it was answered: the moment the flag is raised


@dataclass(frozen=True)
class LapseRecorded:
    """A client recorded a lapse (from the check-in or on its own), inside the transaction that
    stores it. Nothing subscribes yet; the care team reads lapses in the record."""

    lapse_id: int
    client_id: int
    day: date
    at: datetime
