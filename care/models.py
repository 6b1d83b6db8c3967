"""Clinical care records: who cares for whom. (A client's worksheets are course records:
courses.WorksheetResponse.)"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CareAssignment(models.Model):
    """A clinician is responsible for a client while the assignment is active."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload_assignments"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_assignments"
    )
    is_active = models.BooleanField(default=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "client"],
                condition=models.Q(is_active=True),
                name="care_one_active_assignment_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["clinician", "is_active"])]

    def __str__(self) -> str:
        return f"Assignment #{self.pk}"


class Supervision(models.Model):
    """A clinical supervisor oversees a clinician: while active, the supervisor sees that
    clinician's caseload and can open their clients' records."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisions"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervised_by"
    )
    is_active = models.BooleanField(default=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["supervisor", "clinician"],
                condition=models.Q(is_active=True),
                name="care_one_active_supervision_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("clinician")),
                name="care_no_self_supervision",
            ),
        ]

    def __str__(self) -> str:
        return f"Supervision #{self.pk}"


class NoteImmutableError(Exception):
    """Raised on any attempt to change or delete a signed progress note."""


class ProgressNote(models.Model):
    """A clinician's own progress note about a client: a draft until signed; once signed it is
    never edited or deleted, and an amendment is a new note linked to it (S-6). Visible only to
    the client's care team: never to the client, billing staff or administrators."""

    class Kind(models.TextChoices):
        SESSION = "session", "Session"
        CHECK_IN = "check_in", "Check-in"
        PHONE = "phone", "Phone call"
        COORDINATION = "coordination", "Care coordination"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_notes"
    )
    note_date = models.DateField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-note_date", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="draft", signed_at__isnull=True))
                | (models.Q(status="signed", signed_at__isnull=False)),
                name="care_note_signed_iff_signed_at",
            ),
        ]
        indexes = [models.Index(fields=["client", "-note_date"])]

    def __str__(self) -> str:
        return f"Progress note #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.SIGNED:
                raise NoteImmutableError("A signed note is never edited; amend it instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == self.Status.SIGNED:
            raise NoteImmutableError("A signed note is never deleted.")
        return super().delete(*args, **kwargs)
