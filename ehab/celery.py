"""The Celery application and the one place that declares the clock (beat schedule).

Broker and worker options live in settings (`CELERY_*`, see ehab/settings/base.py): Redis in CI
and production, the `filesystem://` broker for the one-command local run. Tasks take ids only and
are idempotent (docs/invariants.md, I-3).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.local")

app = Celery("ehab")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Every periodic job is declared here and nowhere else; each entry enumerates due work with a
# selector and fans out small tasks.
app.conf.beat_schedule = {
    "beat-heartbeat": {"task": "notifications.tasks.beat_heartbeat", "schedule": 60.0},
    "release-sweep": {"task": "courses.tasks.sweep_releases", "schedule": 60.0},
    "notification-relay": {"task": "notifications.tasks.relay_due_notifications", "schedule": 60.0},
    "course-reminders": {"task": "courses.tasks.evaluate_reminders", "schedule": 300.0},
    "measure-reminders": {"task": "measures.tasks.evaluate_reminders", "schedule": 900.0},
    # Sessions (meetings): a reminder the day before and 30 minutes before.
    "session-reminders": {"task": "meetings.tasks.evaluate_reminders", "schedule": 300.0},
    "care-alerts": {"task": "care.tasks.evaluate_alerts", "schedule": 300.0},
    "risk-escalation": {"task": "care.tasks.escalate_risk_flags", "schedule": 60.0},
    "recover-stale-sends": {"task": "notifications.tasks.recover_stale_sends", "schedule": 300.0},
    "billing-grace": {"task": "payments.tasks.enforce_grace", "schedule": 3600.0},
    "billing-reconciliation": {"task": "payments.tasks.reconcile", "schedule": 86400.0},
    "end-paid-subscriptions": {
        "task": "payments.tasks.end_paid_subscriptions",
        "schedule": 600.0,
    },
    "stripe-events-safety-net": {
        "task": "payments.tasks.process_pending_events",
        "schedule": 60.0,
    },
    "stripe-events-retention": {
        "task": "payments.tasks.sweep_stripe_events",
        "schedule": 86400.0,
    },
    # A prepared copy of a client's records is cleared once its link expires (records).
    "record-exports-expire": {"task": "records.tasks.expire_record_exports", "schedule": 300.0},
}

app.autodiscover_tasks()
