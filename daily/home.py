"""The "Today" card on the client's home (courses/home.py): today's check-in still to do, a
button to it; done for the evening, the days held. One query, whatever the history."""

from datetime import datetime

from django.db.models import Count, Q

from accounts.models import User
from courses.home import HomePanel

from .days import local_today
from .models import BottomLines, Checkin


def daily_home_panel(*, client: User, now: datetime) -> HomePanel:
    today = local_today(now=now, tz=client.timezone)
    counts = Checkin.objects.filter(client=client).aggregate(
        held=Count("pk", filter=Q(bottom_lines=BottomLines.HELD)),
        morning=Count("pk", filter=Q(day=today, morning_at__isnull=False)),
        evening=Count("pk", filter=Q(day=today, evening_at__isnull=False)),
    )
    context: dict[str, object] = {
        "morning_done": bool(counts["morning"]),
        "evening_done": bool(counts["evening"]),
    }
    if counts["evening"]:
        context["days_held"] = counts["held"]  # the same count as selectors.days.days_held
    return HomePanel("daily/_home_panel.html", context)
