"""Programs and their content; cohorts and enrollments; the release ledger; pacing; progress."""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.validators import validate_timezone


class Audience(models.TextChoices):
    CLIENT = "client", "Clients"
    PARTNER = "partner", "Partners"


class Domain(models.TextChoices):
    ORIENTATION = "orientation", "Orientation"
    CONTAINMENT = "containment", "Containment"
    TRAUMA = "trauma", "Trauma"
    ATTACHMENT = "attachment", "Attachment"
    IFS = "ifs", "Parts work"
    SOMATIC = "somatic", "Somatic work"
    RELATIONAL_REPAIR = "relational_repair", "Relational repair"
    DAILY_STRUCTURE = "daily_structure", "Daily structure"
    RELAPSE_PREVENTION = "relapse_prevention", "Relapse prevention"
    INTEGRATION = "integration", "Integration"


class LessonKind(models.TextChoices):
    """What kind of lesson it is, as the client reads it. There is no media player yet: audio
    and video lessons are given as their written-out transcripts, and their labels say only
    what the client will find (docs/invariants.md: no promise without the feature)."""

    READING = "reading", "Reading"
    VIDEO = "video", "Guided walk-through"
    AUDIO = "audio", "Guided practice"
    EXERCISE = "exercise", "Exercise"
    WORKSHEET = "worksheet", "Worksheet"
    PRACTICE = "practice", "Practice"
    REFLECTION = "reflection", "Reflection"


def new_content_token() -> str:
    return uuid.uuid4().hex


class Program(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    disclaimer = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class Track(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="tracks")
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.CLIENT)
    weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    release_weekday = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(6)], help_text="0 = Monday … 6 = Sunday"
    )
    release_time = models.TimeField(default="06:00")
    requires_previous_completion = models.BooleanField(
        default=False,
        help_text="Open a week only when the required lessons of the week before are done.",
    )
    weekly_hours_target = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("9.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("40"))],
        help_text="The program's hours a week (groups, individual sessions, lessons) a client "
        "of this track aims for; set in the curriculum (weekly_hours_target).",
    )
    content_token = models.CharField(
        max_length=32,
        default=new_content_token,
        editable=False,
        help_text="Changes whenever the track's modules or lessons change (a cache key).",
    )

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    class Status(models.TextChoices):
        WRITTEN = "written", "Written"
        OUTLINE = "outline", "Outline"

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="modules")
    slug = models.SlugField(max_length=80)
    week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    # The live lessons, titles and flags only, when loaded through courses.content (a prefetch
    # `to_attr`, not a field).
    active_lessons: list["Lesson"]
    order = models.PositiveSmallIntegerField(default=1)
    domain = models.CharField(max_length=24, choices=Domain.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    asks = models.TextField(blank=True)
    minutes = models.PositiveSmallIntegerField(default=0)
    trauma_intense = models.BooleanField(default=False)
    content_note = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WRITTEN)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["track", "week", "order"]
        constraints = [
            models.UniqueConstraint(fields=["track", "slug"], name="courses_module_slug_per_track"),
            models.CheckConstraint(
                condition=~models.Q(trauma_intense=True, content_note=""),
                name="courses_module_trauma_needs_note",
            ),
        ]
        indexes = [models.Index(fields=["track", "week"])]

    def __str__(self) -> str:
        return f"Week {self.week}: {self.title}"


class Lesson(models.Model):
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="lessons")
    slug = models.SlugField(max_length=80)
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=LessonKind.choices)
    body = models.TextField(help_text="Markdown, as written.")
    body_html = models.TextField(help_text="Sanitized HTML rendered from the Markdown at load.")
    minutes = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(default=True)
    suds = models.BooleanField(default=False, help_text="Ask 0–10 distress before and after.")
    prompts = models.JSONField(default=list, blank=True)
    # What the worksheet's answers start (curriculum/FORMAT.md `fills`), e.g. "safety_plan";
    # its prompts name the sections they fill.
    fills = models.CharField(max_length=20, blank=True, default="")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["module", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "slug"], name="courses_lesson_slug_per_module"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_worksheet(self) -> bool:
        return bool(self.prompts)


class Cohort(models.Model):
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=120)
    start_date = models.DateField()
    capacity = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    meeting_weekday = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(6)]
    )
    meeting_time = models.TimeField(null=True, blank=True)
    clinicians = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cohorts_led"
    )

    class Meta:
        ordering = ["start_date", "name"]
        constraints = [
            # Names are unique per track whatever their case ("Spring" and "spring" clash).
            models.UniqueConstraint(Lower("name"), "track", name="courses_cohort_name_per_track"),
        ]

    def __str__(self) -> str:
        return self.name


class EnrollmentStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Waiting for payment"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Cancelled"


class EnrollmentSource(models.TextChoices):
    """How the enrollment came about, for billing: through online checkout, or made by an
    administrator without online payment (a scholarship or insurance), which is never billed."""

    CHECKOUT = "checkout", "Online payment"
    MANUAL = "manual", "Manual (scholarship or insurance, no online payment)"


LIVE_STATUSES = (
    EnrollmentStatus.PENDING_PAYMENT,
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.PAUSED,
)

# The enrollments that hold a seat in their cohort (a cohort's capacity counts these): paid-for
# ones, paused or finished included; one waiting for payment does not yet hold a seat.
SEAT_STATUSES = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.PAUSED,
    EnrollmentStatus.COMPLETED,
)


class Enrollment(models.Model):
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments"
    )
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="enrollments")
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(
        max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    start_date = models.DateField(help_text="The schedule anchor for rolling enrollment.")
    paused_days = models.PositiveIntegerField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    next_release_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the next week is due (kept by the release services; the sweep's index).",
    )
    new_weeks_held_for_billing = models.BooleanField(
        default=False,
        editable=False,
        help_text="New weeks wait for a billing matter; weeks already open stay open. Set and "
        "cleared only by courses' services (enrollment_hold_new_weeks and "
        "enrollment_lift_new_weeks_hold), which billing calls.",
    )
    source = models.CharField(
        max_length=8, choices=EnrollmentSource.choices, default=EnrollmentSource.CHECKOUT
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "track"],
                condition=models.Q(status__in=LIVE_STATUSES),
                name="courses_one_live_enrollment_per_track",
            )
        ]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(
                fields=["next_release_at"],
                condition=models.Q(status="active"),
                name="courses_enrollment_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Enrollment #{self.pk}"

    @property
    def anchor_date(self) -> date:
        """The cohort's start date, or the enrollment's own start for rolling enrollment."""
        cohort = self.cohort if self.cohort_id else None
        return cohort.start_date if cohort is not None else self.start_date


class ReleaseReason(models.TextChoices):
    SCHEDULE = "schedule", "On schedule"
    CLINICIAN_ADVANCE = "clinician_advance", "Opened early by the clinician"


class ModuleRelease(models.Model):
    """The release ledger: one row per (enrollment, module); the truth of what a client can open."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="releases")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="releases")
    released_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=24, choices=ReleaseReason.choices)
    content_note_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "module"], name="courses_one_release_per_module"
            )
        ]

    def __str__(self) -> str:
        return f"Release #{self.pk}"


class PacingKind(models.TextChoices):
    HOLD = "hold", "Hold a week"
    RELEASE_HOLD = "release_hold", "Lift a hold"
    ADVANCE = "advance", "Open a week early"
    PAUSE = "pause", "Pause the program"
    RESUME = "resume", "Resume the program"
    SHIFT = "shift", "Shift the schedule"


class PacingReason(models.TextChoices):
    CLINICAL_JUDGEMENT = "clinical_judgement", "Clinical judgement"
    CLIENT_REQUEST = "client_request", "Client asked"
    STABILIZATION = "stabilization", "Stabilization first"
    LIFE_EVENT = "life_event", "Life event"
    READY_EARLY = "ready_early", "Ready to move on"
    ADMINISTRATIVE = "administrative", "Administrative"
    # Held by the system while a risk flag waits for the care team (care.RiskFlag, S-2).
    SAFETY_REVIEW = "safety_review", "Safety review"


class PacingAction(models.Model):
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="pacing_actions"
    )
    kind = models.CharField(max_length=16, choices=PacingKind.choices)
    reason_code = models.CharField(max_length=24, choices=PacingReason.choices)
    note = models.TextField(blank=True, max_length=2000)
    # None: placed by E-Hab itself (a safety-review hold while a risk flag waits: care).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    module = models.ForeignKey(
        Module, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    days = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(
        null=True, blank=True, help_text="For holds: when the hold was lifted."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["enrollment", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class LessonProgress(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="progress")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    deferred_at = models.DateTimeField(null=True, blank=True, help_text='"Not today".')
    suds_before = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    suds_after = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "lesson"], name="courses_one_progress_per_lesson"
            ),
            models.CheckConstraint(
                condition=models.Q(suds_before__lte=10) | models.Q(suds_before__isnull=True),
                name="courses_suds_before_range",
            ),
            models.CheckConstraint(
                condition=models.Q(suds_after__lte=10) | models.Q(suds_after__isnull=True),
                name="courses_suds_after_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Progress #{self.pk}"


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
        Enrollment, on_delete=models.PROTECT, related_name="worksheet_responses"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="worksheet_responses")
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


class WorksheetFeedback(models.Model):
    """A member of the care team's reply to one submitted version of a client's worksheet.
    Written once and never edited or deleted; the client reads it under that version in My
    work. Stored with the worksheet (courses) and written by care's pages through
    courses.services.worksheets."""

    response = models.ForeignKey(
        WorksheetResponse, on_delete=models.PROTECT, related_name="feedback"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Feedback #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise WorksheetImmutableError("Feedback is never edited; write a new reply.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise WorksheetImmutableError("Feedback is never deleted.")


class WorksheetReview(models.Model):
    """A member of the care team has read a submitted version (a reply counts as reading it).
    A version no one on the client's care team has reviewed is "waiting for review"."""

    response = models.ForeignKey(
        WorksheetResponse, on_delete=models.PROTECT, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "reviewer"], name="courses_one_review_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"Review #{self.pk}"
