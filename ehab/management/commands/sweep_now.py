"""`manage.py sweep_now`: one release sweep, the reminder rules and one relay pass, right now,
in this process (for operators and for `make run` demos)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from care.reminders import care_alerts_enqueue_due
from courses.reminders import course_reminders_enqueue_due
from courses.services.releases import release_sweep
from notifications.selectors import due_notification_ids
from notifications.services import notification_deliver, notifications_recover_stale


class Command(BaseCommand):
    help = "Run one release sweep, the reminder rules and one delivery pass immediately."

    def handle(self, *args, **options):
        now = timezone.now()
        released = release_sweep(now=now)
        reminders = course_reminders_enqueue_due(now=now) + care_alerts_enqueue_due(now=now)
        recovered = notifications_recover_stale(now=now)
        outcomes: dict[str, int] = {}
        for notification_id in due_notification_ids(now=now):
            status = notification_deliver(notification_id=notification_id, now=now) or "taken"
            outcomes[status] = outcomes.get(status, 0) + 1
        self.stdout.write(
            f"released {released} week(s); {reminders} new reminder(s); "
            f"recovered {recovered}; delivered {outcomes or 'nothing'}"
        )
