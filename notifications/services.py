"""Writes to the outbox: enqueue (at most once per dedupe key), claim, deliver, recover.

Delivery is two-phase so a crash is never a silent duplicate: a row is claimed (pending →
sending), then marked handed off just before the provider is called. A row found stuck in
`sending` without a hand-off was never given to the provider and goes back to pending; one with a
hand-off may have been sent, so it becomes `uncertain` and is never resent automatically.

Account emails (allauth's password reset, email confirmation, ...) take the same road so that a
request does the same work whatever the address (docs/decisions/0008): the request renders
the message, seals it (notifications/sealing.py) and writes the row; the worker opens the seal,
sends, and deletes the sealed copy as soon as the row is sent, failed or uncertain, or once it
expires unsent.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import User

from .models import (
    ACCOUNT_KINDS,
    MANDATORY_KINDS,
    URGENT_KINDS,
    Channel,
    DeliverySettings,
    Kind,
    Notification,
    Preference,
    SealedMessage,
    Status,
)
from .schedule import after_quiet_hours
from .sealing import seal, unseal
from .transports import Message, PermanentError, TransientError
from .transports import email as email_transport
from .transports import sms as sms_transport

MAX_ATTEMPTS = 5
RELAY_TASK = "notifications.tasks.relay_due_notifications"
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
STALE_AFTER = timedelta(minutes=10)
# How long a sealed account email may wait for a worker before it is deleted unsent: long enough
# to ride out a worker or broker outage, short enough that no one-time link lingers.
ACCOUNT_MAIL_KEEP = timedelta(hours=24)


def delivery_settings_for(user) -> DeliverySettings:
    settings_row, _ = DeliverySettings.objects.get_or_create(user=user)
    return settings_row


# Kinds a person receives only after choosing them (the daily check-in reminder).
OPT_IN_KINDS = frozenset({Kind.CHECKIN_REMINDER})


def default_channel(kind: str) -> str:
    return Channel.NONE if kind in OPT_IN_KINDS else Channel.EMAIL


def _channel_for(user, kind: str, prefs: dict[str, str]) -> str:
    channel = prefs.get(kind, default_channel(kind))
    if kind in MANDATORY_KINDS and channel == Channel.NONE:
        channel = Channel.EMAIL
    if channel == Channel.SMS and not (settings.SMS_ENABLED and user.phone):
        channel = Channel.EMAIL
    return channel


@dataclass(frozen=True)
class OutboxItem:
    """One intended message: to whom, what kind, the key that makes it at most once, and the
    named page its opaque link opens (a URL name, resolved when the link is followed)."""

    user: User
    kind: str
    dedupe_key: str
    link_target: str = "home"
    link_anchor: str = ""  # an element id on that page to land on, e.g. "client-12"


def outbox_enqueue(items: list[OutboxItem], *, now: datetime) -> int:
    """Write outbox rows for `items` at `now`, at most once per dedupe key, and wake the relay
    after commit when any new row is due at once. Returns how many rows were new.

    Bulk and idempotent: a key already present is skipped by the unique constraint. Preferences
    decide the channel (switched-off kinds are stored as `skipped`, so the key still holds);
    quiet hours move `scheduled_for`. Urgent kinds (URGENT_KINDS) go at once, by email and, when
    SMS is configured and the person has a phone number, by text message too (a second row whose
    key ends in ":sms"). Queries do not grow with the number of items: preferences
    and settings are read in one query each.
    """
    if not items:
        return 0
    user_ids = {item.user.pk for item in items}
    prefs: dict[int, dict[str, str]] = {}
    for pref in Preference.objects.filter(user_id__in=user_ids).values(
        "user_id", "kind", "channel"
    ):
        prefs.setdefault(pref["user_id"], {})[pref["kind"]] = pref["channel"]
    quiet = {row.user_id: row for row in DeliverySettings.objects.filter(user_id__in=user_ids)}
    default_quiet = DeliverySettings()
    rows: list[Notification] = []
    for item in items:
        user = item.user
        hours = quiet.get(user.pk, default_quiet)
        if item.kind in URGENT_KINDS:
            # At once whatever the hour, by email and, when it can be sent, by text message too.
            due = now
            channels: list[tuple[str, str]] = [(Channel.EMAIL, item.dedupe_key)]
            if settings.SMS_ENABLED and user.phone:
                channels.append((Channel.SMS, f"{item.dedupe_key}:sms"))
        else:
            due = after_quiet_hours(
                now, tz=user.timezone, start=hours.quiet_start, end=hours.quiet_end
            )
            channels = [(_channel_for(user, item.kind, prefs.get(user.pk, {})), item.dedupe_key)]
        rows.extend(
            Notification(
                user=user,
                kind=item.kind,
                channel=channel,
                dedupe_key=key,
                link_target=item.link_target,
                link_anchor=item.link_anchor,
                status=Status.SKIPPED if channel == Channel.NONE else Status.PENDING,
                scheduled_for=due,
                created_at=now,
            )
            for channel, key in channels
        )
    existing = set(
        Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).values_list(
            "dedupe_key", flat=True
        )
    )
    new = [r for r in rows if r.dedupe_key not in existing]
    # A concurrent writer may still win a key between the read and the insert; the unique
    # constraint keeps it at most once either way.
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    if any(r.status == Status.PENDING and r.scheduled_for <= now for r in new):
        transaction.on_commit(relay_wake)
    return len(new)


def relay_wake() -> None:
    """Ask a worker to deliver due messages now; a no-op if the broker is down (beat runs the
    relay every minute anyway, so a broker outage never fails a request)."""
    try:
        # By name: the tasks module imports this one, not the other way round.
        current_app.send_task(RELAY_TASK)
    except Exception:  # noqa: BLE001 - kombu raises many types when the broker is down
        return


@transaction.atomic
def account_mail_enqueue(
    *, user, kind: str, to: str, subject: str, text: str, html: str, now: datetime
) -> Notification:
    """Put one rendered account email in the outbox: a row due at `now` (mandatory, by email,
    never held for quiet hours) and its content sealed beside it until `now + ACCOUNT_MAIL_KEEP`.
    Sends nothing itself; wakes the relay after commit. `user` is None only for an address that
    has no account (Kind.ACCOUNT_UNKNOWN)."""
    if kind not in ACCOUNT_KINDS:
        raise ValueError("Not an account email kind.")
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        channel=Channel.EMAIL,
        dedupe_key=f"account:{uuid.uuid4().hex}",
        scheduled_for=now,
        created_at=now,
    )
    SealedMessage.objects.create(
        notification=notification,
        token=seal({"to": to, "subject": subject, "text": text, "html": html}),
        expires_at=now + ACCOUNT_MAIL_KEEP,
    )
    transaction.on_commit(relay_wake)
    return notification


def notification_claim(*, notification_id: int, now: datetime) -> bool:
    """Claim a due pending row for sending (pending → sending), race-safe: True if this caller
    won. A conditional UPDATE, so two workers can never both claim one row."""
    return bool(
        Notification.objects.filter(
            pk=notification_id, status=Status.PENDING, scheduled_for__lte=now
        ).update(status=Status.SENDING, claimed_at=now, handed_off_at=None)
    )


def _unsealed_message(sealed: SealedMessage) -> Message:
    content = unseal(sealed.token)
    return Message(
        to=content["to"],
        subject=content["subject"],
        text=content["text"],
        html=content["html"],
        sms="",
    )


def render_message(notification: Notification) -> Message:
    """The rendered subject, bodies and SMS, with only opaque-token links; an account email is
    the sealed copy the request rendered (SealedMessage.DoesNotExist once it is gone)."""
    if notification.kind in ACCOUNT_KINDS:
        return _unsealed_message(notification.sealed)
    user = notification.user
    if user is None:  # only account emails may have no person (the constraint says so)
        raise ValueError(f"Notification {notification.pk} has nobody to send to.")
    unsubscribe_url = ""
    if notification.kind not in MANDATORY_KINDS:
        pref, _ = Preference.objects.get_or_create(user=user, kind=notification.kind)
        unsubscribe_url = f"{settings.EHAB_SITE_URL}/u/{pref.unsubscribe_token}/"
    context = {
        "greeting_name": user.preferred_name,
        "action_url": f"{settings.EHAB_SITE_URL}/n/{notification.link_token}/",
        "unsubscribe_url": unsubscribe_url,
        "brand": "E-Hab",
    }
    folder = f"notifications/{notification.kind}"
    return Message(
        to=user.phone if notification.channel == Channel.SMS else user.email,
        subject=render_to_string(f"{folder}/subject.txt", context).strip(),
        text=render_to_string(f"{folder}/body.txt", context),
        html=render_to_string(f"{folder}/body.html", context),
        sms=render_to_string(f"{folder}/sms.txt", context).strip(),
        unsubscribe_url=unsubscribe_url,
    )


def _backoff(attempts: int) -> timedelta:
    delay = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security


def notification_deliver(*, notification_id: int, now: datetime) -> str | None:
    """Claim, hand off and send one message at `now`; returns the final status, or None if
    another worker had it or it is not due. Transient errors reschedule with backoff and jitter
    (up to MAX_ATTEMPTS), permanent ones fail at once."""
    if not notification_claim(notification_id=notification_id, now=now):
        return None
    notification = Notification.objects.select_related("user", "sealed").get(pk=notification_id)
    if notification.kind in ACCOUNT_KINDS and not hasattr(notification, "sealed"):
        # Purged unsent (ACCOUNT_MAIL_KEEP passed): the link inside is gone with it.
        return _finish(notification, Status.FAILED, now=now, error="expired before sending")
    try:
        message = render_message(notification)
    except Exception as exc:  # a template bug must not leave the row in `sending`
        _finish(notification, Status.FAILED, now=now, error=f"render: {type(exc).__name__}")
        raise
    Notification.objects.filter(pk=notification.pk).update(
        handed_off_at=now, attempts=notification.attempts + 1
    )
    transport = sms_transport if notification.channel == Channel.SMS else email_transport
    try:
        provider_id = transport.send(message)
    except TransientError as exc:
        if notification.attempts + 1 >= MAX_ATTEMPTS:
            return _finish(notification, Status.FAILED, now=now, error=f"transient: {exc}")
        Notification.objects.filter(pk=notification.pk).update(
            status=Status.PENDING,
            handed_off_at=None,
            scheduled_for=now + _backoff(notification.attempts + 1),
            last_error=f"transient: {exc}"[:300],
        )
        return Status.PENDING
    except PermanentError as exc:
        return _finish(notification, Status.FAILED, now=now, error=f"permanent: {exc}")
    return _finish(notification, Status.SENT, now=now, provider_id=provider_id)


def _finish(
    notification, status: str, *, now: datetime, error: str = "", provider_id: str = ""
) -> str:
    Notification.objects.filter(pk=notification.pk).update(
        status=status,
        sent_at=now if status == Status.SENT else None,
        provider_message_id=provider_id[:200],
        last_error=error[:300],
    )
    if notification.kind in ACCOUNT_KINDS:
        # Sent or failed for good: nothing will ever read the sealed copy again.
        SealedMessage.objects.filter(pk=notification.pk).delete()
    return status


def notifications_recover_stale(*, now: datetime) -> dict[str, int]:
    """Rows stuck in `sending` (a worker died): never handed off → pending again; handed off →
    `uncertain` (the provider may have accepted it), never resent automatically."""
    stale = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_AFTER)
    retried = stale.filter(handed_off_at__isnull=True).update(
        status=Status.PENDING, claimed_at=None, last_error="worker stopped before sending"
    )
    handed_off = stale.filter(handed_off_at__isnull=False)
    # Never resent, so an uncertain account email's sealed copy has no further use.
    SealedMessage.objects.filter(notification__in=handed_off).delete()
    uncertain = handed_off.update(
        status=Status.UNCERTAIN, last_error="worker stopped during sending"
    )
    return {"retried": retried, "uncertain": uncertain}


def account_mail_purge_expired(*, now: datetime) -> int:
    """Delete sealed account emails whose time ran out unsent at `now`; their rows, if still
    waiting, fail ("expired before sending"). Returns how many were deleted."""
    expired = list(SealedMessage.objects.filter(expires_at__lte=now).values_list("pk", flat=True))
    if not expired:
        return 0
    Notification.objects.filter(pk__in=expired, status=Status.PENDING).update(
        status=Status.FAILED, last_error="expired before sending"
    )
    deleted, _ = SealedMessage.objects.filter(pk__in=expired).delete()
    return deleted


@transaction.atomic
def preference_set(*, user, kind: str, channel: str) -> Preference:
    """Choose how one kind of message arrives. Mandatory kinds cannot be switched off, and
    account emails always come by email."""
    if kind not in Kind.values or channel not in Channel.values:
        raise ValueError("Unknown kind or channel.")
    if kind in ACCOUNT_KINDS:
        raise ValueError("Emails about your account always come by email.")
    if kind in MANDATORY_KINDS and channel == Channel.NONE:
        raise ValueError("This message can't be switched off.")
    pref, _ = Preference.objects.get_or_create(user=user, kind=kind)
    if pref.channel != channel:
        pref.channel = channel
        pref.save(update_fields=["channel"])
    return pref


@transaction.atomic
def preference_unsubscribe(*, token: str) -> Preference | None:
    """One-click unsubscribe by opaque token (no sign-in); None for an unknown token."""
    pref = Preference.objects.select_for_update().filter(unsubscribe_token=token).first()
    if pref is None or pref.kind in MANDATORY_KINDS:
        return None
    if pref.channel != Channel.NONE:
        pref.channel = Channel.NONE
        pref.save(update_fields=["channel"])
    return pref
