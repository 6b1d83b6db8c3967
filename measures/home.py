"""The questionnaire card on the client's home (courses/home.py), shown only while one is due."""

from datetime import datetime

from accounts.models import User
from courses.home import HomePanel

from .schedule import client_schedule


def measures_home_panel(*, client: User, now: datetime) -> HomePanel | None:
    schedule = client_schedule(client_id=client.pk, now=now)
    if schedule is None or not schedule.due:
        return None
    return HomePanel("measures/_home_panel.html", {"due": schedule.due})
