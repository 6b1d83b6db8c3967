"""A risk flag through a real Celery worker on Redis: the clinician's alert leaves at once though it
is 23:00 where they are (quiet hours hold everything else), once; and an unacknowledged flag
escalates once when the beat task runs past its deadline."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from care.models import RiskFlag, Supervision
from care.services import risk_flag_raise
from care.tasks import escalate_risk_flags
from notifications.models import Kind, Notification, Status
from notifications.services import OutboxItem, outbox_enqueue
from tests.factories import CareAssignmentFactory, UserFactory
from tests.notifications.test_worker import assert_no_task_failed, emails, wait_idle, wait_until

# The worker fixtures (redis_db, mail_dir, start_worker) are the notifications tests' own.
pytest_plugins = ["tests.notifications.test_worker"]


def zone_where_it_is_23h(now: datetime) -> str:
    """An IANA zone (Etc/GMT±N) in which `now` falls in the 23:00 hour. Etc/GMT signs are
    inverted: Etc/GMT-3 is three hours ahead of UTC."""
    offset = (23 - now.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def test_the_zone_helper_finds_eleven_at_night():
    from zoneinfo import ZoneInfo

    for hour in range(24):
        now = datetime(2026, 12, 1, hour, 30, tzinfo=UTC)
        assert now.astimezone(ZoneInfo(zone_where_it_is_23h(now))).hour == 23


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_one_alert_to_the_clinician_at_23h_in_their_zone(
    start_worker, redis_db, mail_dir
):
    now = timezone.now()
    zone = zone_where_it_is_23h(now)
    clinician = UserFactory(role=Role.CLINICIAN, timezone=zone)  # default quiet hours: 21-08
    client = UserFactory(role=Role.CLIENT)
    CareAssignmentFactory(clinician=clinician, client=client)
    # An ordinary message to the same clinician waits for the morning.
    outbox_enqueue([OutboxItem(clinician, Kind.INACTIVITY_ALERT, "worker-test:ordinary")], now=now)
    ordinary = Notification.objects.get(dedupe_key="worker-test:ordinary")
    assert ordinary.scheduled_for > now
    worker = start_worker()

    risk_flag_raise(client=client, source=RiskFlag.Source.CLIENT, now=now)  # wakes the relay

    sent = Notification.objects.filter(kind=Kind.RISK_ALERT, status=Status.SENT)
    wait_until(lambda: sent.exists() and len(emails(mail_dir)) >= 1, "the alert to be sent")
    wait_idle(redis_db, worker)
    [email] = emails(mail_dir)
    assert clinician.email in email
    assert "may need you now" in email
    assert client.email not in email and (client.preferred_name or "@@") not in email
    alert = Notification.objects.get(kind=Kind.RISK_ALERT)
    assert (alert.status, alert.attempts, alert.user) == (Status.SENT, 1, clinician)
    ordinary.refresh_from_db()
    assert ordinary.status == Status.PENDING
    assert_no_task_failed(worker)


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_escalates_an_unacknowledged_flag_once(start_worker, redis_db, mail_dir):
    clinician = UserFactory(role=Role.CLINICIAN)
    supervisor = UserFactory(role=Role.SUPERVISOR, timezone="Etc/GMT")
    Supervision.objects.create(supervisor=supervisor, clinician=clinician)
    client = UserFactory(role=Role.CLIENT)
    CareAssignmentFactory(clinician=clinician, client=client)
    flag = risk_flag_raise(
        client=client, source=RiskFlag.Source.CLIENT, now=timezone.now() - timedelta(days=7)
    )
    worker = start_worker()

    escalate_risk_flags.delay()
    escalate_risk_flags.delay()  # a second tick finds nothing more to do

    escalated = Notification.objects.filter(kind=Kind.RISK_ESCALATION, status=Status.SENT)
    wait_until(lambda: escalated.exists(), "the escalation to be sent")
    wait_idle(redis_db, worker)
    assert [n.user for n in Notification.objects.filter(kind=Kind.RISK_ESCALATION)] == [supervisor]
    flag.refresh_from_db()
    assert flag.escalated_at is not None
    assert worker.count("care.tasks.escalate_risk_flags", " succeeded in ") == 2
    assert sum(supervisor.email in e for e in emails(mail_dir)) == 1
    assert_no_task_failed(worker)
