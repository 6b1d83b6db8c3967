"""The measures' reminder rule: one discreet message when questionnaires are due, at most once
per due date (the outbox's dedupe key), through the person's preferences and quiet hours."""

from datetime import datetime, timedelta

from accounts.models import User
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue

from .schedule import due_measures

# A new client meets the baseline questionnaire on their home first; the message follows a day
# later if it is still waiting. Later questionnaires are reminded on the day they fall due, and a
# clinician's request at once.
BASELINE_REMINDER_AFTER = timedelta(days=1)


def measure_due_items(now: datetime) -> list[OutboxItem]:
    """A message for each client with a questionnaire due (not put aside with "not now"),
    keyed by the earliest due moment so each due date is reminded once."""
    keys: dict[int, str] = {}
    for client_id, schedule in due_measures(client_ids=None, now=now).items():
        asked = [m.asked for m in schedule.due if m.asked is not None]
        if asked:
            # A clinician's request is reminded at once, once per request.
            keys[client_id] = f"measure_due:{client_id}:asked:{int(max(asked).timestamp())}"
            continue
        remindable = [
            m.due_at
            for m in schedule.due
            if m.due_at <= now - (BASELINE_REMINDER_AFTER if m.baseline else timedelta())
        ]
        if remindable:
            keys[client_id] = f"measure_due:{client_id}:{int(min(remindable).timestamp())}"
    users = User.objects.in_bulk(list(keys))
    return [
        OutboxItem(users[client_id], Kind.MEASURE_DUE, key, "measures:mine")
        for client_id, key in keys.items()
    ]


def measure_reminders_enqueue_due(*, now: datetime) -> int:
    """Enqueue every questionnaire reminder due at `now`; returns how many rows were new."""
    return outbox_enqueue(measure_due_items(now), now=now)
