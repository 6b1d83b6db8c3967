"""Events accounts announces (core/events.py); apps above it subscribe in their ready()."""

from dataclasses import dataclass
from datetime import datetime

from .models import User


@dataclass(frozen=True)
class TimezoneChanged:
    """A person's time zone changed at `now`: whatever is scheduled in their local time moves."""

    user: User
    now: datetime
