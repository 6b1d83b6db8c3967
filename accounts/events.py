"""Events accounts announces (core/events.py); apps above it subscribe in their ready()."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TimezoneChanged:
    """A person's time zone changed at `now`: whatever is scheduled in their local time moves."""

    user: object
    now: datetime
