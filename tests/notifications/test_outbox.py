"""The outbox: at most once per key, preferences and quiet hours, two-phase delivery."""

import re
from datetime import UTC, datetime, time

import pytest
from django.core import mail

from notifications.models import Channel, DeliverySettings, Kind, Notification, Status
from notifications.schedule import after_quiet_hours, in_quiet_hours
from notifications.services import (
    MAX_ATTEMPTS,
    OutboxItem,
    notification_claim,
    notification_deliver,
    notifications_recover_stale,
    outbox_enqueue,
    preference_set,
    preference_unsubscribe,
    render_message,
)
from notifications.transports import PermanentError, TransientError

NOON_NY = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 12:00 in New York


def enqueue(user, kind=Kind.MODULE_RELEASED, key="k1", now=NOON_NY):
    return outbox_enqueue([OutboxItem(user, kind, key)], now=now)


def test_a_dedupe_key_is_written_once_however_often_it_is_enqueued(client_a):
    assert enqueue(client_a) == 1
    assert enqueue(client_a) == 0
    assert Notification.objects.count() == 1


def test_a_switched_off_kind_is_stored_as_skipped_so_the_key_still_holds(client_a):
    preference_set(user=client_a, kind=Kind.MODULE_RELEASED, channel=Channel.NONE)
    enqueue(client_a)
    assert Notification.objects.get().status == Status.SKIPPED


def test_mandatory_messages_cannot_be_switched_off(client_a):
    with pytest.raises(ValueError):
        preference_set(user=client_a, kind=Kind.WELCOME, channel=Channel.NONE)


def test_the_daily_check_in_reminder_is_opt_in(client_a):
    enqueue(client_a, kind=Kind.CHECKIN_REMINDER)
    assert Notification.objects.get().status == Status.SKIPPED


def test_sms_falls_back_to_email_without_a_phone_or_when_sms_is_off(client_a):
    preference_set(user=client_a, kind=Kind.MODULE_RELEASED, channel=Channel.SMS)
    enqueue(client_a)
    assert Notification.objects.get().channel == Channel.EMAIL


@pytest.mark.parametrize(
    "local, quiet",
    [(time(20, 59), False), (time(21, 0), True), (time(2, 0), True), (time(8, 0), False)],
)
def test_quiet_hours_span_midnight(local, quiet):
    assert in_quiet_hours(local, time(21, 0), time(8, 0)) is quiet


def test_a_message_in_quiet_hours_waits_until_they_end_in_the_clients_zone():
    late = datetime(2026, 11, 24, 4, 30, tzinfo=UTC)  # 22:30 in Chicago
    held = after_quiet_hours(late, tz="America/Chicago", start=time(21, 0), end=time(8, 0))
    assert held == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 08:00 in Chicago


def test_enqueue_uses_each_clients_own_quiet_hours(client_a):
    DeliverySettings.objects.create(user=client_a, quiet_start=time(11), quiet_end=time(13))
    enqueue(client_a)  # noon in New York: inside this client's quiet hours
    assert Notification.objects.get().scheduled_for == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_delivery_sends_once_and_records_the_provider_id(client_a):
    enqueue(client_a)
    row = Notification.objects.get()
    assert notification_deliver(notification_id=row.pk, now=NOON_NY) == Status.SENT
    assert (
        notification_deliver(notification_id=row.pk, now=NOON_NY) is None
    )  # already sent: nothing
    row.refresh_from_db()
    assert row.status == Status.SENT and row.provider_message_id and row.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [client_a.email]


def test_only_one_claim_wins(client_a):
    enqueue(client_a)
    row = Notification.objects.get()
    assert notification_claim(notification_id=row.pk, now=NOON_NY) is True
    assert notification_claim(notification_id=row.pk, now=NOON_NY) is False


def test_a_message_that_is_not_due_is_not_claimed(client_a):
    enqueue(client_a, now=datetime(2099, 1, 1, 17, tzinfo=UTC))
    assert notification_claim(notification_id=Notification.objects.get().pk, now=NOON_NY) is False


def test_a_transient_error_reschedules_with_backoff_and_fails_after_the_cap(client_a, monkeypatch):
    from notifications.transports import email

    def flaky(message):
        raise TransientError("smtp 451")

    monkeypatch.setattr(email, "send", flaky)
    enqueue(client_a)
    row = Notification.objects.get()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        Notification.objects.filter(pk=row.pk).update(scheduled_for=NOON_NY)
        status = notification_deliver(notification_id=row.pk, now=NOON_NY)
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert status == Status.PENDING and row.scheduled_for > NOON_NY
        else:
            assert status == Status.FAILED
    assert "smtp 451" in row.last_error


def test_a_permanent_error_fails_at_once(client_a, monkeypatch):
    from notifications.transports import email

    def refused(message):
        raise PermanentError("recipient refused")

    monkeypatch.setattr(email, "send", refused)
    enqueue(client_a)
    row = Notification.objects.get()
    assert notification_deliver(notification_id=row.pk, now=NOON_NY) == Status.FAILED
    assert Notification.objects.get().attempts == 1


def test_a_stale_send_never_handed_off_goes_back_to_pending(client_a):
    enqueue(client_a)
    row = Notification.objects.get()
    notification_claim(notification_id=row.pk, now=NOON_NY)
    result = notifications_recover_stale(now=datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert result == {"retried": 1, "uncertain": 0}
    assert Notification.objects.get().status == Status.PENDING


def test_a_stale_send_that_was_handed_off_becomes_uncertain_and_is_never_resent(client_a):
    enqueue(client_a)
    row = Notification.objects.get()
    notification_claim(notification_id=row.pk, now=NOON_NY)
    Notification.objects.filter(pk=row.pk).update(handed_off_at=NOON_NY)
    result = notifications_recover_stale(now=datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert result == {"retried": 0, "uncertain": 1}
    assert notification_deliver(notification_id=row.pk, now=NOON_NY) is None
    assert Notification.objects.get().status == Status.UNCERTAIN
    assert not mail.outbox


def test_messages_carry_only_opaque_links(client_a, settings):
    enqueue(client_a)
    message = render_message(Notification.objects.select_related("user").get())
    row = Notification.objects.get()
    assert f"/n/{row.link_token}/" in message.text
    urls = re.findall(r"https?://[^\s\"<>]+", message.text + message.html + message.sms)
    assert urls
    for url in urls:
        path = url.split("://", 1)[1].split("/", 1)[1]
        assert re.fullmatch(r"(n|u)/[A-Za-z0-9_-]{40,}/", path), url
    assert client_a.email not in message.text


def test_one_click_unsubscribe_switches_that_kind_off(client_a):
    enqueue(client_a)
    render_message(Notification.objects.select_related("user").get())  # creates the preference
    pref = client_a.notification_prefs.get(kind=Kind.MODULE_RELEASED)
    assert preference_unsubscribe(token=pref.unsubscribe_token) == pref
    pref.refresh_from_db()
    assert pref.channel == Channel.NONE
    assert preference_unsubscribe(token="not-a-token") is None


def test_enqueue_queries_do_not_grow_with_the_number_of_messages(db, django_assert_max_num_queries):
    from tests.factories import UserFactory

    users = [UserFactory() for _ in range(40)]
    with django_assert_max_num_queries(6):
        outbox_enqueue(
            [OutboxItem(u, Kind.MODULE_RELEASED, f"bulk:{u.pk}") for u in users], now=NOON_NY
        )
    assert Notification.objects.count() == 40


def test_enqueue_wakes_the_relay_after_commit_only_for_a_new_message_due_now(
    client_a, django_capture_on_commit_callbacks, monkeypatch
):
    from notifications import services

    woken = []
    monkeypatch.setattr(services, "relay_wake", lambda: woken.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(client_a, key="due")  # noon in New York: due at once
    assert woken == [1]
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(client_a, key="due")  # the same key again: nothing new
        enqueue(client_a, key="late", now=datetime(2026, 11, 24, 4, tzinfo=UTC))  # 23:00: quiet
        enqueue(client_a, kind=Kind.CHECKIN_REMINDER, key="off")  # opt-in kind: skipped
    assert woken == [1]
