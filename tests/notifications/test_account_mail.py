"""allauth's account emails leave through the outbox (docs/decisions/0008): the request renders
and seals the message and writes the row; the worker sends it once, at any hour, and the sealed
copy, which holds allauth's one-time link, never sits readable in the database and is deleted
once the row is settled."""

import io
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.account.utils import user_pk_to_url_str
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from notifications import tasks
from notifications.models import (
    ACCOUNT_KINDS,
    Channel,
    Kind,
    Notification,
    Preference,
    SealedMessage,
    Status,
)
from notifications.sealing import InvalidToken, seal, unseal
from notifications.services import (
    ACCOUNT_MAIL_KEEP,
    account_mail_enqueue,
    account_mail_purge_expired,
    notification_claim,
    notification_deliver,
    notifications_recover_stale,
    preference_set,
)
from notifications.transports import PermanentError, TransientError
from tests.notifications.outbox import deliver_outbox

# 23:00 in New York (the fixtures' zone), inside the default quiet hours (21:00-08:00).
LATE_NY = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
NEW_PASSWORD = "lantern-harbour-morning-7"


def database_text() -> str:
    """Everything stored in the database (every row of every table Django knows), as JSON."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def reset_key_for(user) -> str:
    """The one-time key allauth puts in this user's reset link at the frozen instant."""
    return f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"


def enqueue(user, *, now=LATE_NY, text="Open https://ehab.example/secret-link/ to go on."):
    return account_mail_enqueue(
        user=user,
        kind=Kind.ACCOUNT_PASSWORD_RESET,
        to=user.email,
        subject="E-Hab: Choosing a new password",
        text=text,
        html="",
        now=now,
    )


@pytest.fixture
def late_at_night():
    with time_machine.travel(LATE_NY, tick=False):
        yield LATE_NY


# --- Through the request --------------------------------------------------------------------------


def test_a_reset_request_writes_the_email_to_the_outbox_and_sends_nothing_itself(
    client, client_a, late_at_night
):
    response = client.post(reverse("account_reset_password"), {"email": client_a.email})

    assert response.status_code == 302
    assert not mail.outbox
    row = Notification.objects.get()
    assert (row.user, row.kind, row.channel) == (client_a, Kind.ACCOUNT_PASSWORD_RESET, "email")
    # Asked at 23:00 in the client's own zone, inside quiet hours: due at once all the same.
    assert row.status == Status.PENDING and row.scheduled_for == late_at_night
    assert SealedMessage.objects.filter(notification=row).exists()


def test_the_worker_sends_the_real_reset_link_once_and_it_sets_a_new_password(
    client, client_a, late_at_night
):
    client.post(reverse("account_reset_password"), {"email": client_a.email})
    row = Notification.objects.get()

    assert deliver_outbox() == [Status.SENT]
    assert deliver_outbox() == []
    assert notification_deliver(notification_id=row.pk, now=late_at_night) is None

    (message,) = mail.outbox
    assert message.to == [client_a.email]
    assert message.from_email == "E-Hab <no-reply@ehab.example>"
    assert message.subject == "E-Hab: Choosing a new password"
    (link,) = re.findall(r"https?://\S+/password/reset/key/\S+/", message.body)
    assert link.endswith(f"/password/reset/key/{reset_key_for(client_a)}/")
    # The link is allauth's own, and works.
    response = client.get(link)
    assert response.status_code == 302
    response = client.post(
        response["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.check_password(NEW_PASSWORD)


def test_the_reset_key_is_never_readable_in_the_database_logs_or_task_arguments(
    client, client_a, late_at_night, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    key = reset_key_for(client_a)
    client.post(reverse("account_reset_password"), {"email": client_a.email})
    row = Notification.objects.get()

    # Waiting for the worker: sealed, so the key is nowhere in the database in clear.
    assert SealedMessage.objects.filter(notification=row).exists()
    assert key not in database_text()
    assert client_a.email not in SealedMessage.objects.get().token

    # The relay hands the worker the row's id and nothing else.
    handed = []
    monkeypatch.setattr(tasks.deliver_notification, "delay", lambda *a, **k: handed.append(a))
    tasks.relay_due_notifications()
    assert handed == [(row.pk,)]

    tasks.deliver_notification(row.pk)

    (message,) = mail.outbox
    assert key in message.body  # what the checks above looked for is really the link's key
    assert not SealedMessage.objects.exists()
    assert key not in database_text()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert key not in logged


def test_a_sign_up_confirmation_goes_through_the_outbox_and_its_link_confirms(client, db):
    client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    row = Notification.objects.get()
    assert row.kind == Kind.ACCOUNT_CONFIRM_EMAIL and row.user.email == "new@example.org"
    assert not mail.outbox

    deliver_outbox()

    (message,) = mail.outbox
    confirmation = EmailConfirmation.objects.get()
    assert f"/confirm-email/{confirmation.key}/" in message.body
    assert not SealedMessage.objects.exists()
    response = client.post(f"/accounts/confirm-email/{confirmation.key}/")
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.org").verified


def test_a_sign_up_with_a_known_address_reaches_its_owner_through_the_outbox(client, client_a):
    client.post(
        reverse("account_signup"),
        {"email": client_a.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    row = Notification.objects.get()
    assert (row.user, row.kind) == (client_a, Kind.ACCOUNT_ALREADY_EXISTS)
    deliver_outbox()
    assert [message.to for message in mail.outbox] == [[client_a.email]]


@override_settings(ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS=True)
def test_an_unknown_account_email_if_switched_on_is_a_row_without_an_account(client, db):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    row = Notification.objects.get()
    assert (row.user, row.kind) == (None, Kind.ACCOUNT_UNKNOWN)
    deliver_outbox()
    assert [message.to for message in mail.outbox] == [["nobody@example.org"]]


def test_an_unknown_address_gets_no_email_and_no_row(client, db):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert not Notification.objects.exists()
    assert deliver_outbox() == [] and not mail.outbox


# --- The outbox's side ----------------------------------------------------------------------------


def test_account_emails_cannot_be_switched_off_or_moved_to_text(client_a):
    for kind in ACCOUNT_KINDS:
        for channel in (Channel.NONE, Channel.SMS, Channel.EMAIL):
            with pytest.raises(ValueError):
                preference_set(user=client_a, kind=kind, channel=channel)
    assert not Preference.objects.exists()


def test_an_account_email_ignores_a_preference_for_text_messages(client_a, settings):
    settings.SMS_ENABLED = True
    client_a.phone = "+13055550123"
    client_a.save(update_fields=["phone"])
    Preference.objects.create(user=client_a, kind=Kind.ACCOUNT_PASSWORD_RESET, channel="sms")
    row = enqueue(client_a)
    assert row.channel == Channel.EMAIL
    assert notification_deliver(notification_id=row.pk, now=LATE_NY) == Status.SENT
    assert mail.outbox[0].to == [client_a.email]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_the_sealed_copy_opens_only_with_this_sites_key(settings):
    token = seal({"to": "a@example.org", "text": "https://ehab.example/k/"})
    assert unseal(token) == {"to": "a@example.org", "text": "https://ehab.example/k/"}
    assert "ehab.example" not in token and "a@example.org" not in token
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-key-" + "y" * 40
    with pytest.raises(InvalidToken):
        unseal(token)
    # Rotated with the old key kept as a fallback, what was sealed before still opens.
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert unseal(token)["to"] == "a@example.org"
    with pytest.raises(InvalidToken):
        unseal(token[:-4] + "AAAA")


def test_a_permanent_failure_deletes_the_sealed_copy(client_a, monkeypatch):
    from notifications.transports import email

    def refused(message):
        raise PermanentError("recipient refused")

    monkeypatch.setattr(email, "send", refused)
    row = enqueue(client_a)
    assert notification_deliver(notification_id=row.pk, now=LATE_NY) == Status.FAILED
    assert not SealedMessage.objects.exists()


def test_a_transient_failure_keeps_the_sealed_copy_for_the_retry(client_a, monkeypatch):
    from notifications.transports import email

    def busy(message):
        raise TransientError("smtp 451")

    monkeypatch.setattr(email, "send", busy)
    row = enqueue(client_a)
    assert notification_deliver(notification_id=row.pk, now=LATE_NY) == Status.PENDING
    assert SealedMessage.objects.filter(notification=row).exists()
    monkeypatch.undo()
    later = LATE_NY + timedelta(hours=2)
    assert notification_deliver(notification_id=row.pk, now=later) == Status.SENT
    assert len(mail.outbox) == 1 and "secret-link" in mail.outbox[0].body
    assert not SealedMessage.objects.exists()


def test_an_account_email_that_may_have_been_sent_is_never_resent_and_its_copy_is_deleted(
    client_a,
):
    row = enqueue(client_a)
    notification_claim(notification_id=row.pk, now=LATE_NY)
    Notification.objects.filter(pk=row.pk).update(handed_off_at=LATE_NY)
    result = notifications_recover_stale(now=LATE_NY + timedelta(hours=1))
    assert result == {"retried": 0, "uncertain": 1}
    assert not SealedMessage.objects.exists()
    assert notification_deliver(notification_id=row.pk, now=LATE_NY) is None
    assert not mail.outbox


def test_an_account_email_left_unsent_past_its_time_is_deleted_and_fails(client_a):
    row = enqueue(client_a)
    kept = enqueue(client_a, now=LATE_NY + timedelta(hours=1))

    assert account_mail_purge_expired(now=LATE_NY + ACCOUNT_MAIL_KEEP - timedelta(seconds=1)) == 0
    assert account_mail_purge_expired(now=LATE_NY + ACCOUNT_MAIL_KEEP) == 1

    row.refresh_from_db()
    assert row.status == Status.FAILED and row.last_error == "expired before sending"
    assert list(SealedMessage.objects.values_list("pk", flat=True)) == [kept.pk]
    assert notification_deliver(notification_id=row.pk, now=LATE_NY) is None
    assert not mail.outbox


def test_a_claimed_account_email_whose_copy_is_gone_fails_without_sending(client_a):
    row = enqueue(client_a)
    SealedMessage.objects.all().delete()
    assert notification_deliver(notification_id=row.pk, now=LATE_NY) == Status.FAILED
    row.refresh_from_db()
    assert row.last_error == "expired before sending"
    assert not mail.outbox


def test_the_periodic_recovery_also_purges_expired_account_emails(client_a):
    enqueue(client_a, now=LATE_NY - ACCOUNT_MAIL_KEEP - timedelta(minutes=1))
    with time_machine.travel(LATE_NY, tick=False):
        result = tasks.recover_stale_sends()
    assert result == {"retried": 0, "uncertain": 0, "expired": 1}
    assert not SealedMessage.objects.exists()


def test_only_account_emails_may_have_no_account(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(user=None, kind=Kind.WELCOME, dedupe_key="x")
    with pytest.raises(ValueError):
        account_mail_enqueue(
            user=None, kind=Kind.WELCOME, to="a@example.org", subject="s", text="t", html="",
            now=LATE_NY,
        )  # fmt: skip
