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
