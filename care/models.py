"""Clinical care records. [1/4] needs only who cares for whom."""

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


class WorksheetResponseQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=WorksheetResponse.Status.SUBMITTED)


class WorksheetImmutableError(Exception):
    """Raised on any attempt to change a submitted worksheet version."""


class WorksheetResponse(models.Model):
    """A client's answers to a lesson's prompts. Drafts autosave in place; a submitted version is
    immutable, and editing after submission starts a new draft that submits as the next version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    enrollment = models.ForeignKey(
        "courses.Enrollment", on_delete=models.PROTECT, related_name="worksheet_responses"
    )
    lesson = models.ForeignKey(
        "courses.Lesson", on_delete=models.PROTECT, related_name="worksheet_responses"
    )
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(null=True, blank=True)
    answers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = WorksheetResponseQuerySet.as_manager()

    class Meta:
        ordering = ["lesson", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"],
                condition=models.Q(status="draft"),
                name="care_one_draft_per_worksheet",
            ),
            models.UniqueConstraint(
                fields=["enrollment", "lesson", "version"],
                name="care_one_row_per_worksheet_version",
            ),
            models.CheckConstraint(
                condition=(models.Q(status="draft", version__isnull=True))
                | (models.Q(status="submitted", version__isnull=False)),
                name="care_worksheet_version_iff_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"Worksheet response #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.SUBMITTED:
                raise WorksheetImmutableError("A submitted worksheet is never edited in place.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == self.Status.SUBMITTED:
            raise WorksheetImmutableError("A submitted worksheet is never deleted.")
        return super().delete(*args, **kwargs)
