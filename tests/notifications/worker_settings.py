"""Settings for the Celery worker subprocess started by tests/notifications/test_worker.py.

The test settings, pointed at the pytest-django test database (`EHAB_WORKER_DB_NAME`) and the
Redis named by REDIS_URL, with emails written to files in `EHAB_WORKER_EMAIL_DIR` so the test can
count what was really sent. `EHAB_WORKER_EMAIL_HANG` makes the transport stall, for crash tests:
`before` stalls before the message is written (the provider never got it), `after` stalls once it
is written (the provider accepted it but we never recorded that); either way the worker touches
`EHAB_WORKER_EMAIL_MARKER` first, so the test knows the send is under way.
"""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from ehab.settings.test import *  # noqa: F403
from ehab.settings.test import DATABASES, REDIS_URL

DATABASES["default"]["NAME"] = os.environ["EHAB_WORKER_DB_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
CELERY_BROKER_URL = REDIS_URL
EMAIL_BACKEND = "tests.notifications.worker_settings.StallingEmailBackend"
EMAIL_FILE_PATH = os.environ["EHAB_WORKER_EMAIL_DIR"]
# Worker logs stay short: the test reads them for "ready." and task outcomes.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}

STALL_SECONDS = 120

# Under the clock sweep (tests/conftest.py `--clock`) the test process travels in time; the
# worker travels by the same amount so both agree on what is due.
if os.environ.get("EHAB_TEST_CLOCK_OFFSET"):
    _offset = timedelta(seconds=float(os.environ["EHAB_TEST_CLOCK_OFFSET"]))
    time_machine.travel(datetime.now(UTC) + _offset, tick=True).start()


class StallingEmailBackend(FileEmailBackend):
    """The file backend, optionally stalling around the write (see the module docstring)."""

    def send_messages(self, email_messages):
        hang = os.environ.get("EHAB_WORKER_EMAIL_HANG", "")
        marker = os.environ.get("EHAB_WORKER_EMAIL_MARKER", "")
        if hang == "before":
            Path(marker).touch()
            time.sleep(STALL_SECONDS)
        sent = super().send_messages(email_messages)
        if hang == "after":
            Path(marker).touch()
            time.sleep(STALL_SECONDS)
        return sent
