"""Outcome measures: the instruments (loaded from measures/instruments/*.yaml) and each time a
client answered one. An administration is never edited: a new answer is a new row (I-1)."""

from django.conf import settings
from django.db import models


class Instrument(models.Model):
    """A standardized questionnaire as its data file defines it (measures/instruments.py reads,
    checks and loads the files; `definition` is the checked spec)."""

    key = models.SlugField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    short_title = models.CharField(max_length=40)
    definition = models.JSONField()
    content_token = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.short_title


class ReliableChangeDirection(models.TextChoices):
    IMPROVED = "improved", "Improved"
    NONE = "none", "No reliable change"
    WORSENED = "worsened", "Worsened"


class Administration(models.Model):
    """One completed answering of an instrument by a client: the answers as given, the total
    and band they score to, and the change since the client's first (baseline) answering of
    the same instrument, with Jacobson and Truax's reliable change index."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="administrations"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="administrations"
    )
    content_token = models.CharField(
        max_length=16, help_text="The instrument's wording this was answered in."
    )
    answers = models.JSONField(help_text="Item number (as text) to the value chosen.")
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=32)
    risk_answered = models.BooleanField(
        default=False, help_text="A risk item (PHQ-9 item 9) was answered above 0."
    )
    baseline = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followups"
    )
    change = models.SmallIntegerField(null=True, blank=True)
    reliable_change_index = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    reliable_change = models.CharField(
        max_length=10, choices=ReliableChangeDirection.choices, blank=True
    )
    submitted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client", "instrument", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(baseline__isnull=True, change__isnull=True)
                | models.Q(baseline__isnull=False, change__isnull=False),
                name="measures_change_only_against_a_baseline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} answered {self.submitted_at:%Y-%m-%d}"


class MeasureSchedule(models.Model):
    """How often a client is asked to answer the instruments, and a clinician's request for an
    answer now. A client without a row is on the default interval
    (settings.EHAB_MEASURE_INTERVAL_DAYS); measures/schedule.py decides what is due."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="measure_schedule"
    )
    interval_days = models.PositiveSmallIntegerField(
        help_text="Days between answers, from the last one."
    )
    requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A clinician asked for an answer now: every instrument is due from this "
        "moment until the client answers it.",
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=7, interval_days__lte=56),
                name="measures_interval_between_one_and_eight_weeks",
            ),
        ]

    def __str__(self) -> str:
        return f"every {self.interval_days} days"


class MeasureSkip(models.Model):
    """A client chose "not now" for a due instrument. Recorded for the care team; the
    instrument is due again after settings.EHAB_MEASURE_SNOOZE_DAYS."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="measure_skips"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="skips")
    skipped_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client", "instrument", "skipped_at"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} not now {self.skipped_at:%Y-%m-%d}"
