"""Operator commands: sweep_now and notifications_status."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from courses.models import ModuleRelease
from notifications.models import Heartbeat, Kind, Notification, Status
from tests.factories import EnrollmentFactory, make_track


def test_sweep_now_releases_and_delivers_at_once(db, client_a):
    track = make_track(weeks=3, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(
        client=client_a, track=track, start_date=date(2026, 1, 5),
        next_release_at=datetime(2026, 1, 5, tzinfo=UTC),
    )  # fmt: skip
    out = StringIO()
    call_command("sweep_now", stdout=out)
    assert ModuleRelease.objects.filter(enrollment=enrollment).count() == 3
    row = Notification.objects.get(kind=Kind.MODULE_RELEASED)
    # Delivered now unless it is quiet hours where the client lives; then it waits.
    if row.scheduled_for <= timezone.now():
        assert row.status == Status.SENT and len(mail.outbox) == 1
    else:
        assert row.status == Status.PENDING and not mail.outbox
    assert "released 3 week(s)" in out.getvalue()


def test_notifications_status_reports_the_backlog_and_a_stale_beat(db, client_a):
    Notification.objects.create(
        user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="a",
        scheduled_for=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("notifications_status", stdout=out)
    assert exit_info.value.code == 1
    assert "due now    1" in out.getvalue()
    assert "STALE" in out.getvalue()


def test_a_fresh_heartbeat_is_healthy(db):
    Heartbeat.objects.create(name="beat", beat_at=timezone.now())
    out = StringIO()
    call_command("notifications_status", "--json", stdout=out)
    assert '"beat_stale": false' in out.getvalue()
