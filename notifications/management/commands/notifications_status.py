"""`manage.py notifications_status [--json]`: the outbox backlog and the scheduler's health.

Exits 1 when beat has not been seen for three minutes, so it can serve as a health check.
"""

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.selectors import outbox_status


class Command(BaseCommand):
    help = "Show the notification backlog, the oldest due message, failures and beat health."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        status = outbox_status(now=timezone.now())
        if options["json"]:
            self.stdout.write(json.dumps(status, default=str, indent=2))
        else:
            for name, count in status["counts"].items():
                self.stdout.write(f"{name:<10} {count}")
            self.stdout.write(f"due now    {status['due_now']}")
            if status["oldest_due_at"]:
                age = round(status["oldest_due_age_seconds"])
                self.stdout.write(
                    f"oldest due {status['oldest_due_at']:%Y-%m-%d %H:%M:%S} ({age}s)"
                )
            beat = status["beat_last_seen"]
            seen = f" (last seen {beat:%Y-%m-%d %H:%M:%S})" if beat else ""
            self.stdout.write(f"beat       {'STALE' if status['beat_stale'] else 'ok'}{seen}")
        if status["beat_stale"]:
            raise SystemExit(1)
