"""Rules about how tasks are written, checked against the code itself."""

import ast
import inspect
import re
from pathlib import Path

from celery import current_app

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts", "audit", "care", "courses", "meetings", "notifications", "payments", "records",
    "ehab",
]  # fmt: skip
MAX_DELAY_SECONDS = 600


def _python_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_task_is_scheduled_with_a_countdown_or_eta_beyond_ten_minutes():
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "eta":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} uses eta")
                if keyword.arg == "countdown":
                    value = keyword.value
                    if not (isinstance(value, ast.Constant) and value.value <= MAX_DELAY_SECONDS):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} countdown")
    assert not offenders, offenders


def test_every_periodic_entry_is_declared_in_ehab_celery_and_names_a_real_task():
    from ehab.celery import app

    current_app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert schedule
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
    for path in _python_files():
        if path.name != "celery.py":
            assert "beat_schedule" not in path.read_text(), path


def test_tasks_take_ids_only():
    from ehab.celery import app

    current_app.loader.import_default_modules()
    ours = {n: t for n, t in app.tasks.items() if n.split(".")[0] in APPS}
    assert ours
    for name, task in ours.items():
        params = inspect.signature(task.run).parameters
        for param in params.values():
            assert param.annotation in (int, inspect.Parameter.empty) and re.match(
                r"^\w+_id$", param.name
            ), f"{name} takes {param.name}"


def test_the_worker_is_configured_for_at_least_once_and_safe_redelivery():
    from django.conf import settings

    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT
    from ehab.settings import base

    if not base.CELERY_BROKER_URL.startswith("filesystem"):
        timeout = base.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert timeout > settings.CELERY_TASK_TIME_LIMIT
