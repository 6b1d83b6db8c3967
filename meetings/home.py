"""The "Your sessions" card on the client's home (courses/home.py): the next sessions in the
coming week, with the Join button when it is time. One query; nothing when there are none."""

from datetime import datetime

from accounts.models import User
from courses.home import HomePanel

from .selectors import client_next_sessions


def meetings_home_panel(*, client: User, now: datetime) -> HomePanel | None:
    rows = client_next_sessions(client=client, now=now)
    if not rows:
        return None
    return HomePanel("meetings/_home_panel.html", {"rows": rows})
