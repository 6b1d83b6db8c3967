"""The notification outbox, delivery preferences, and the beat heartbeat."""

import secrets
from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_token() -> str:
    """An opaque, unguessable token for links in messages (L-2)."""
    return secrets.token_urlsafe(32)


class Kind(models.TextChoices):
    WELCOME = "welcome", "Welcome"
    MODULE_RELEASED = "module_released", "Something new is ready"
    # A member of the care team replied to something the client submitted.
    FEEDBACK_READY = "feedback_ready", "A reply to your work is waiting"
    MODULE_NOT_STARTED = "module_not_started", "Not started yet"
    MODULE_NOT_FINISHED = "module_not_finished", "Not finished yet"
    CHECKIN_REMINDER = "checkin_reminder", "Daily reminder"
    INACTIVITY_NUDGE = "inactivity_nudge", "We're here when you're ready"
    INACTIVITY_ALERT = "inactivity_alert", "A client has been away (clinicians)"
    # A client was marked absent from two group sessions in a row (to their care team).
    ABSENCE_ALERT = "absence_alert", "A client has missed sessions (clinicians)"
    BILLING_PAST_DUE = "billing_past_due", "A payment didn't go through"
    BILLING_ALERT = "billing_alert", "A payment needs attention (staff)"
    # A short questionnaire (an outcome measure) is ready for the client.
    MEASURE_DUE = "measure_due", "A short questionnaire is ready"
    # An upcoming session of the client's (meetings): the day before, and 30 minutes before.
    # Never the video link, the time or what the session is (L-1).
    APPOINTMENT_REMINDER = "appointment_reminder", "A reminder the day before a session"
    APPOINTMENT_SOON = "appointment_soon", "A reminder 30 minutes before a session"
    # A client may not be safe: the care team's urgent alert, and its escalation when nobody
    # has acknowledged it in time. Never held for quiet hours; cannot be switched off.
    RISK_ALERT = "risk_alert", "Important: a client needs you (clinicians)"
    RISK_ESCALATION = "risk_escalation", "Important: an alert is waiting (supervisors)"
    # allauth's account emails, rendered in the request and sealed (SealedMessage).
    ACCOUNT_PASSWORD_RESET = "account_password_reset", "Account: choosing a new password"
    ACCOUNT_CONFIRM_EMAIL = "account_confirm_email", "Account: confirming an email address"
    ACCOUNT_ALREADY_EXISTS = "account_already_exists", "Account: someone signed up again"
    ACCOUNT_UNKNOWN = "account_unknown", "Account: no account for this address"
    ACCOUNT_SIGN_IN_CODE = "account_sign_in_code", "Account: a sign-in code"
    ACCOUNT_NOTICE = "account_notice", "Account: a change to the account"
    # A client asked to close their account (to their clinicians and the administrators).
    ACCOUNT_CLOSURE = "account_closure", "A request about an account (staff)"
    # An administrator invited the person: a link to choose their password (sealed like the
    # account emails above: the link is a secret, rendered once when the invitation is made).
    INVITATION = "invitation", "Account: an invitation to choose a password"


# allauth's account emails: sent whatever the preferences say, at once (never held for quiet
# hours: a password-reset link asked for at 23:00 must arrive), by email to the address allauth
# names. Their content is sealed, not rendered from notifications/<kind>/ (docs/decisions/0008).
ACCOUNT_KINDS = frozenset(
    {
        Kind.ACCOUNT_PASSWORD_RESET,
        Kind.ACCOUNT_CONFIRM_EMAIL,
        Kind.ACCOUNT_ALREADY_EXISTS,
        Kind.ACCOUNT_UNKNOWN,
        Kind.ACCOUNT_SIGN_IN_CODE,
        Kind.ACCOUNT_NOTICE,
        Kind.INVITATION,
    }
)

# Messages a person cannot switch off. They stay discreet; all but the account emails also wait
# for the end of quiet hours.
# Urgent messages about a client's safety (S-2, S-5): sent at once whatever the hour (never held
# for quiet hours), by email and, when the person has a phone number and SMS is configured, by
# text message too.
URGENT_KINDS = frozenset({Kind.RISK_ALERT, Kind.RISK_ESCALATION})

MANDATORY_KINDS = (
    frozenset(
        {
            Kind.WELCOME,
            Kind.INACTIVITY_ALERT,
            Kind.ABSENCE_ALERT,
            Kind.BILLING_PAST_DUE,
            Kind.BILLING_ALERT,
            Kind.ACCOUNT_CLOSURE,
        }
    )
    | ACCOUNT_KINDS
    | URGENT_KINDS
)


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    NONE = "none", "Don't send"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNCERTAIN = "uncertain", "Uncertain (may have been sent)"
    SKIPPED = "skipped", "Skipped (switched off)"


class Notification(models.Model):
    """One intended message. The dedupe key makes it at-most-once per period."""

    # Empty only for an account email to an address that has no account (allauth's "unknown
    # account" email, off while ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS is False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    dedupe_key = models.CharField(max_length=200, unique=True)
    scheduled_for = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(
        null=True, blank=True, help_text="Set just before the provider is called."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    link_token = models.CharField(max_length=64, unique=True, default=new_token)
    link_target = models.CharField(max_length=100, default="home")
    # An element id on that page to land on (e.g. the caseload row a clinician's alert is
    # about): a fragment, so it never reaches the server or the logs.
    link_anchor = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["user", "kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(kind__in=sorted(ACCOUNT_KINDS)),
                name="notifications_only_account_mail_may_have_no_user",
            )
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk} ({self.kind}, {self.status})"


class SealedMessage(models.Model):
    """An account email as the request rendered it (recipient, subject, bodies), encrypted
    (notifications/sealing.py), waiting for the worker. Deleted once the message is sent, has
    failed or may have been sent, and by the purge once `expires_at` passes unsent; so allauth's
    one-time link is never kept in clear and never kept for long (docs/decisions/0008)."""

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, primary_key=True, related_name="sealed"
    )
    token = models.TextField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Sealed message for notification #{self.pk}"


class DeliverySettings(models.Model):
    """A person's quiet hours and daily reminder time, in their own time zone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_settings"
    )
    quiet_start = models.TimeField(default=time(21, 0))
    quiet_end = models.TimeField(default=time(8, 0))
    reminder_time = models.TimeField(default=time(19, 0))

    def __str__(self) -> str:
        return f"Delivery settings #{self.pk}"


class Preference(models.Model):
    """How a person wants one kind of message: email, text, or not at all."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=new_token)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_one_pref_per_kind")
        ]

    def __str__(self) -> str:
        return f"Preference #{self.pk}"


class Heartbeat(models.Model):
    """The last time a periodic component (beat) was seen alive, shared across hosts."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
