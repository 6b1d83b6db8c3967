"""The "Today" card on the client's home (courses/home.py): today's check-in still to do, a
button to it; done for the evening, the days held. At most 2 queries."""

from datetime import datetime

from accounts.models import User
from courses.home import HomePanel

from .days import local_today
from .models import Checkin
from .selectors.days import days_held


def daily_home_panel(*, client: User, now: datetime) -> HomePanel:
    today = local_today(now=now, tz=client.timezone)
    checkin = (
        Checkin.objects.filter(client=client, day=today)
        .only("pk", "morning_at", "evening_at")
        .first()
    )
    morning_done = checkin is not None and checkin.morning_at is not None
    evening_done = checkin is not None and checkin.evening_at is not None
    context: dict[str, object] = {"morning_done": morning_done, "evening_done": evening_done}
    if evening_done:
        context["days_held"] = days_held(client=client)
    return HomePanel("daily/_home_panel.html", context)
