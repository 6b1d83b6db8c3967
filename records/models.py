"""Each client's right to their records: a prepared copy of everything they wrote and everything
recorded about their participation (RecordExport), and their request to close the account
(ClosureRequest)."""

import hashlib

from django.conf import settings
from django.db import models


def token_digest(token: str) -> str:
    """The SHA-256 of a link token: only the digest is stored, so the table alone opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class RecordExport(models.Model):
    """One prepared copy of a client's records. The link's token is stored hashed; the copy
    itself is the JSON document (the printable page is rendered from it), kept until the link
    expires and cleared when an expired link is next opened."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be prepared"
        EXPIRED = "expired", "Expired"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="record_exports"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    token_hash = models.CharField(max_length=64, unique=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Bytes of the JSON document.")
    document = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["client", "requested_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending", ready_at__isnull=True)
                | ~models.Q(status="pending"),
                name="records_export_pending_not_ready",
            ),
            models.CheckConstraint(
                condition=models.Q(status="ready", ready_at__isnull=False, expires_at__isnull=False)
                | ~models.Q(status="ready"),
                name="records_export_ready_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"Record export #{self.pk} ({self.status})"


class ClosureRequest(models.Model):
    """A client's request to close their account. Access ends when it is made; an administrator
    completes it (who and when are kept). The records themselves are retained."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an administrator"
        COMPLETED = "completed", "Completed"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="closure_requests"
    )
    requested_at = models.DateTimeField()
    reason = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(status="open"),
                name="records_one_open_closure_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status="completed", completed_at__isnull=False, completed_by__isnull=False
                )
                | models.Q(status="open", completed_at__isnull=True, completed_by__isnull=True),
                name="records_closure_completed_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Closure request #{self.pk} ({self.status})"


class ClaimDetails(models.Model):
    """What an insurer needs to match a superbill to the client, as the client gives it: their
    legal name and date of birth (records/superbill.py prints them). The client's own; changed
    only by them."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_details"
    )
    legal_name = models.CharField(max_length=120)
    date_of_birth = models.DateField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Claim details #{self.pk}"
