"""What measures announce (core/events.py). A higher app reacts by subscribing in its
AppConfig.ready(); measures never imports it."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RiskAnswered:
    """A client answered a risk item above 0 (PHQ-9 item 9), inside the transaction that
    stores the administration. Issue [5/10]'s care.RiskFlag is raised from here."""

    administration_id: int
    client_id: int
    instrument_key: str
    items: tuple[int, ...]
    at: datetime  # when it was answered: the moment the flag is raised
