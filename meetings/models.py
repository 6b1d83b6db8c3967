"""Sessions: a cohort's recurring group sessions and a clinician's individual sessions with one
client (`SessionSeries`), and each dated session (`Occurrence`).

The rule, stated once (meetings/generation.py applies it; docs/decisions/0018 says why):

- A series meets on `weekday` at `start_time` (wall clock) in its `timezone` (the cohort's, or
  the client's for an individual series), for `length_minutes`, on every such day from
  `active_from` to `active_until`. Each meeting day is one `Occurrence`, identified by its
  `local_date` (unique per series). Its instants are `core.localtime.local_instant`, so 18:30 in
  New York stays 18:30 there in winter and in summer; `ends_at` is `length_minutes` later.
- A one-off change is made on the occurrence's own row: `cancelled`, or `moved` (its new
  `starts_at`/`ends_at`, its planned start kept in `planned_starts_at`). The row keeps its id
  and its `local_date`, so whatever points at a session (attendance, later) points at one row
  whatever happened to it.
- A change to the series (day, time, length, dates) rewrites only occurrences that start after
  `now`: past ones are never touched. A future one-off change holds as long as the series still
  meets on its date; one whose date is no longer a meeting day goes with the rest.
- The video link is configuration: it is opened from the client's Join button (inside the
  window) and never written into a message or a calendar file.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.validators import validate_timezone
from courses.models import Cohort

MAX_LENGTH_MINUTES = 240


class SeriesKind(models.TextChoices):
    GROUP = "group", "Group session"
    INDIVIDUAL = "individual", "Individual session"


class SessionSeries(models.Model):
    kind = models.CharField(max_length=16, choices=SeriesKind.choices)
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="session_series"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="individual_session_series",
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_series_led"
    )
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    start_time = models.TimeField()
    length_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LENGTH_MINUTES)]
    )
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    video_url = models.URLField(max_length=500)
    active_from = models.DateField()
    active_until = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["weekday", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(length_minutes__gt=0, length_minutes__lte=MAX_LENGTH_MINUTES),
                name="meetings_series_length",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="meetings_series_weekday"),
            models.CheckConstraint(
                condition=Q(active_until__gte=F("active_from")), name="meetings_series_dates"
            ),
            models.CheckConstraint(
                condition=Q(video_url__startswith="https://"), name="meetings_series_https"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="group", cohort__isnull=False, client__isnull=True)
                    | Q(kind="individual", cohort__isnull=True, client__isnull=False)
                ),
                name="meetings_series_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"
    MOVED = "moved", "Moved"


class Occurrence(models.Model):
    series = models.ForeignKey(SessionSeries, on_delete=models.PROTECT, related_name="occurrences")
    local_date = models.DateField(help_text="The series' meeting day this session belongs to.")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    planned_starts_at = models.DateTimeField(
        null=True, blank=True, help_text="Where a moved session was planned to start."
    )
    status = models.CharField(
        max_length=16, choices=OccurrenceStatus.choices, default=OccurrenceStatus.SCHEDULED
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="occurrences_led"
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "local_date"], name="meetings_one_per_day"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meetings_occurrence_ends_after"
            ),
            models.CheckConstraint(
                condition=~Q(status="moved") | Q(planned_starts_at__isnull=False),
                name="meetings_moved_keeps_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.local_date})"


# --- Attendance: who came to a session, and for how long -------------------------------------


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    LATE = "late", "Late"
    LEFT_EARLY = "left_early", "Left early"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"


# The statuses that mean the client was not there: their minutes are 0.
NOT_THERE = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)


class Attendance(models.Model):
    """One client at one session, marked by the session's own clinician
    (meetings/attendance_services.py). `minutes` is what the client attended, 0 to the session's
    length (0 when absent or excused). Corrected on the same row; each change is audited."""

    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, related_name="attendances")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(max_length=16, choices=AttendanceStatus.choices)
    minutes = models.PositiveSmallIntegerField(validators=[MaxValueValidator(MAX_LENGTH_MINUTES)])
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["occurrence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "client"], name="meetings_one_attendance_per_client"
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=0, minutes__lte=MAX_LENGTH_MINUTES),
                name="meetings_attendance_minutes",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="meetings_attendance_status"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=NOT_THERE) | Q(minutes=0),
                name="meetings_attendance_absent_is_zero",
            ),
        ]
        indexes = [models.Index(fields=["client", "occurrence"], name="meetings_att_client")]

    def __str__(self) -> str:
        return f"Attendance {self.pk}"
