"""The append-only audit trail: who did what to whose data, allowed or denied. Never content."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class AuditImmutableError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class Action:
    """The actions the trail records. Dotted names group by area."""

    LOGIN = "auth.login"
    LOGOUT = "auth.logout"
    LOGIN_FAILED = "auth.login_failed"
    SESSION_EXPIRED = "auth.session_expired"
    MFA_ADDED = "auth.mfa_added"
    MFA_REMOVED = "auth.mfa_removed"
    MFA_RESET = "auth.mfa_recovery_codes_reset"
    PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 - an action name
    PASSWORD_RESET = "auth.password_reset"  # noqa: S105 - an action name
    USER_SIGNED_UP = "account.signed_up"
    USER_CREATED = "account.created"
    ROLE_CHANGED = "account.role_changed"
    CLINICAL_OVERSIGHT_CHANGED = "account.clinical_oversight_changed"
    SUPERUSER_CHANGED = "account.superuser_changed"
    PROFILE_UPDATED = "account.profile_updated"
    ACCESS_DENIED = "access.denied"
    RECORD_VIEWED = "record.viewed"
    # Worksheet review (issue 12): a care-team member opened a submitted version, or replied.
    WORKSHEET_VIEWED = "worksheet.viewed"
    WORKSHEET_REPLIED = "worksheet.replied"
    CASELOAD_VIEWED = "care.caseload_viewed"
    # Clinical supervision (care.Supervision): who oversees whom, from when to when.
    SUPERVISION_STARTED = "care.supervision_started"
    SUPERVISION_ENDED = "care.supervision_ended"
    # Progress notes (care): never the note's text (U-1).
    NOTE_CREATED = "care.note_created"
    NOTE_UPDATED = "care.note_updated"
    NOTE_SIGNED = "care.note_signed"
    NOTE_AMENDED = "care.note_amended"
    # Outcome measures (issue 13): never the answers (U-1).
    MEASURE_SUBMITTED = "measure.submitted"
    MEASURE_SKIPPED = "measure.skipped"
    MEASURE_INTERVAL_SET = "measure.interval_set"
    MEASURE_REQUESTED = "measure.requested"
    # Risk flags (care, S-2/S-5): never the client's or the clinician's words.
    RISK_FLAG_RAISED = "care.risk_flag_raised"
    RISK_FLAG_ACKNOWLEDGED = "care.risk_flag_acknowledged"
    RISK_FLAG_RESOLVED = "care.risk_flag_resolved"
    RISK_FLAG_ESCALATED = "care.risk_flag_escalated"
    RISK_FLAG_VIEWED = "care.risk_flag_viewed"
    # The client's safety plan (care, S-4): the version saved, never its words.
    SAFETY_PLAN_SAVED = "care.safety_plan_saved"
    # The diagnosis code for superbills (care.Diagnosis): that it was entered, never the code.
    DIAGNOSIS_ENTERED = "care.diagnosis_entered"
    # Each client's records (records): the export's id and size, never its content (U-1).
    RECORDS_EXPORT_REQUESTED = "records.export_requested"
    RECORDS_EXPORT_READY = "records.export_ready"
    RECORDS_EXPORT_DOWNLOADED = "records.export_downloaded"
    # Superbills and receipts (records, payments): the range and counts, never names or codes.
    CLAIM_DETAILS_SAVED = "records.claim_details_saved"
    SUPERBILL_GENERATED = "records.superbill_generated"
    RECEIPT_VIEWED = "billing.receipt_viewed"
    # Closing an account: the request (never the reason's words), access ending, completion.
    ACCOUNT_CLOSURE_REQUESTED = "account.closure_requested"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_REACTIVATED = "account.reactivated"
    ACCOUNT_CLOSURE_COMPLETED = "account.closure_completed"
    # Sessions (meetings): the series and each one-off change, a booking, a client's Join and
    # calendar download. Never the video link.
    SESSION_SERIES_CREATED = "meetings.series_created"
    SESSION_SERIES_UPDATED = "meetings.series_updated"
    SESSION_CANCELLED = "meetings.session_cancelled"
    SESSION_MOVED = "meetings.session_moved"
    SESSION_BOOKED = "meetings.session_booked"
    SESSION_JOINED = "meetings.session_joined"
    SESSION_CALENDAR_DOWNLOADED = "meetings.calendar_downloaded"
    # Attendance (meetings): marked, corrected (old and new status, never a note), and the
    # attendance screen opened (it shows several clients at once).
    ATTENDANCE_RECORDED = "meetings.attendance_recorded"
    ATTENDANCE_CORRECTED = "meetings.attendance_corrected"
    ATTENDANCE_VIEWED = "meetings.attendance_viewed"


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("Audit events cannot be updated.")

    def delete(self):
        raise AuditImmutableError("Audit events cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditImmutableError("Audit events cannot be updated.")

    def count_one_more_denial(self) -> int:
        """Add one to the count of these rows, if they are counted denials (window_start set):
        the one change the trail allows (docs/decisions/0006-denied-access-audit.md); on
        PostgreSQL the append-only trigger allows exactly this and nothing else. Returns how
        many rows took it."""
        counted = self.filter(window_start__isnull=False)
        return models.QuerySet.update(counted, count=F("count") + 1)


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who acted; empty for the anonymous or the system.",
    )
    actor_role = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=64)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose data or account the action concerned.",
    )
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.ALLOWED)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Denied accesses are counted per actor (or, anonymous, per address) and minute: the first
    # of a minute writes the row, the rest add to its count. Every other event is one row, with
    # no window and a count of 1 that never changes.
    window_start = models.DateTimeField(
        null=True,
        blank=True,
        help_text="For a denied access: the minute (UTC) this row counts. Empty otherwise.",
    )
    count = models.PositiveIntegerField(
        default=1,
        help_text="For a denied access: how many in that minute; the first one's details shown.",
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["action", "occurred_at"]),
            models.Index(fields=["subject", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(action=Action.ACCESS_DENIED, outcome=Outcome.DENIED),
                name="audit_only_denials_are_counted",
            ),
            models.CheckConstraint(
                condition=Q(count=1) | Q(count__gt=1, window_start__isnull=False),
                name="audit_count_only_on_counted_denials",
            ),
            models.UniqueConstraint(
                fields=["actor", "window_start"],
                condition=Q(actor__isnull=False, window_start__isnull=False),
                name="audit_one_denial_row_per_actor_minute",
            ),
            models.UniqueConstraint(
                fields=["ip_address", "window_start"],
                condition=Q(actor__isnull=True, window_start__isnull=False),
                name="audit_one_denial_row_per_address_minute",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit events cannot be deleted.")
