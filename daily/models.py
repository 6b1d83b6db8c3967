"""Daily structure (decision 0016): the client's DSAP (daily structure and action plan), the
Kitchen Table check-in, lapses with their chain analysis, and the small logs (urges, body
practice, the parts journal).

A "day" is the client's local calendar day in their own time zone, stored as a date. Nothing a
client writes here is ever deleted; a DSAP is kept as versions, like the safety plan. These rows
are the client's own and their care team's (the record's Daily section): never billing staff's
or administrators', and not in the Django admin.
"""

from django.conf import settings
from django.db import models

from courses.worksheets import DSAP_SECTION_MAX  # the contract with the curriculum

LINE_MAX = 300  # one line: an intention, "what helped", a logged note
CHAIN_STEP_MAX = 2_000
PARTS_ENTRY_MAX = 10_000
MAX_ANCHORS = 12
SCALE = (0, 10)


class Part(models.TextChoices):
    """The program's five parts (the IFS 5-part model of weeks 4–6)."""

    INNER_CHILD = "inner_child", "Inner Child"
    CRITICAL_PARENT = "critical_parent", "Critical Parent"
    TEENAGER = "teenager", "Teenager"
    LOVING_PARENT = "loving_parent", "Loving Parent"
    WITNESS = "witness", "Witness"


class DsapImmutableError(Exception):
    """Raised on any attempt to change or delete a stored version of a DSAP."""


class Dsap(models.Model):
    """One version of a client's daily structure and action plan, in their words: bottom lines
    (what they are stepping away from), warning signs (the cycle's early stages) and daily
    anchors (one per line: the items of the daily check-in). Every save is a new row; none is
    changed or deleted; the current plan is the newest version."""

    class Source(models.TextChoices):
        PAGE = "page", "The plan page"
        WORKSHEET = "worksheet", "The week 11 worksheet"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dsaps"
    )
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PAGE)
    created_at = models.DateTimeField()
    bottom_lines = models.TextField(blank=True, max_length=DSAP_SECTION_MAX)
    warning_signs = models.TextField(blank=True, max_length=DSAP_SECTION_MAX)
    anchors = models.TextField(
        blank=True, max_length=DSAP_SECTION_MAX, help_text="One anchor per line."
    )

    class Meta:
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "version"], name="daily_dsap_one_row_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="daily_dsap_version_from_1"
            ),
        ]

    def __str__(self) -> str:
        return f"DSAP #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DsapImmutableError("A stored DSAP version is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DsapImmutableError("A stored DSAP version is never deleted.")

    def anchor_list(self) -> list[str]:
        """The anchors, one per non-empty line, in the client's order (at most MAX_ANCHORS)."""
        lines = [line.strip() for line in self.anchors.splitlines()]
        return [line for line in lines if line][:MAX_ANCHORS]

    def sections(self) -> dict[str, str]:
        return {
            "bottom_lines": self.bottom_lines,
            "warning_signs": self.warning_signs,
            "anchors": self.anchors,
        }


class BottomLines(models.TextChoices):
    HELD = "held", "I held my bottom lines"
    LAPSED = "lapsed", "I lapsed"


class Safe(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


def _scale(help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(null=True, blank=True, help_text=help_text)


class Checkin(models.Model):
    """The Kitchen Table for one of the client's local days: the morning intention and the
    evening review. One row per client and day, editable until the end of the next day (or of
    the day it was filled in, for a missed day filled in late: `late`). The anchors offered are
    copied from the DSAP when the evening review is first saved, so a later plan never rewrites
    what a past day asked."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins"
    )
    day = models.DateField(help_text="The client's local day this is about.")
    late = models.BooleanField(default=False, help_text="First filled in after the day had ended.")
    intention = models.CharField(max_length=LINE_MAX, blank=True)
    morning_at = models.DateTimeField(null=True, blank=True)
    anchors_offered = models.JSONField(default=list, blank=True)
    anchors_done = models.JSONField(default=list, blank=True)
    mood = _scale("0 (very low) to 10 (very good).")
    urge = _scale("0 (none) to 10 (overwhelming).")
    loudest_part = models.CharField(max_length=16, choices=Part.choices, blank=True)
    bottom_lines = models.CharField(max_length=8, choices=BottomLines.choices, blank=True)
    helped = models.CharField(max_length=LINE_MAX, blank=True)
    safe = models.CharField(max_length=3, choices=Safe.choices, blank=True)
    evening_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="daily_checkin_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(mood__isnull=True) | models.Q(mood__lte=10),
                name="daily_checkin_mood_0_10",
            ),
            models.CheckConstraint(
                condition=models.Q(urge__isnull=True) | models.Q(urge__lte=10),
                name="daily_checkin_urge_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in #{self.pk}"


class Lapse(models.Model):
    """A lapse the client recorded (from the evening review or on its own), with its guided
    chain analysis, step by step. A lapse is information: it never resets the days counted
    (daily.selectors.days); the care team reads it in the record."""

    class Stage(models.TextChoices):
        """The cycle as the program teaches it (week 2 and the extended weeks)."""

        PRESSURE = "pressure", "Pressure"
        STRESS = "stress", "Stress"
        SHAME = "shame", "Shame"
        OVERWHELM = "overwhelm", "Overwhelm"
        ESCAPE = "escape", "Escape"
        REGRET = "regret", "Regret"
        RESET = "reset", "Reset"
        NOT_SURE = "not_sure", "I'm not sure"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lapses"
    )
    day = models.DateField(help_text="The client's local day it happened.")
    checkin = models.OneToOneField(
        Checkin, on_delete=models.PROTECT, null=True, blank=True, related_name="lapse"
    )
    situation = models.TextField(blank=True, max_length=CHAIN_STEP_MAX)
    body = models.TextField(blank=True, max_length=CHAIN_STEP_MAX)
    thought = models.TextField(blank=True, max_length=CHAIN_STEP_MAX)
    part = models.CharField(max_length=16, choices=Part.choices, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    needed = models.TextField(blank=True, max_length=CHAIN_STEP_MAX)
    next_time = models.TextField(blank=True, max_length=CHAIN_STEP_MAX)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["client", "-day", "-created_at"]
        indexes = [models.Index(fields=["client", "day"])]

    def __str__(self) -> str:
        return f"Lapse #{self.pk}"


class UrgeLog(models.Model):
    """An urge logged in three taps: how strong, where in the body, what the client did."""

    class Where(models.TextChoices):
        HEAD = "head", "Head"
        THROAT = "throat", "Throat or jaw"
        CHEST = "chest", "Chest"
        STOMACH = "stomach", "Stomach"
        ARMS = "arms", "Arms or hands"
        LEGS = "legs", "Legs"
        WHOLE = "whole", "All over"
        NOT_SURE = "not_sure", "Not sure"

    class Did(models.TextChoices):
        BREATHED = "breathed", "Breathed or grounded"
        REACHED_OUT = "reached_out", "Reached out to someone"
        MOVED = "moved", "Moved my body"
        LEFT = "left", "Changed where I was"
        WAITED = "waited", "Let it pass"
        ACTED = "acted", "Acted on it"
        OTHER = "other", "Something else"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="urge_logs"
    )
    at = models.DateTimeField()
    day = models.DateField()
    intensity = models.PositiveSmallIntegerField()
    where = models.CharField(max_length=10, choices=Where.choices)
    did = models.CharField(max_length=12, choices=Did.choices)

    class Meta:
        ordering = ["client", "-at"]
        indexes = [models.Index(fields=["client", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(intensity__lte=10), name="daily_urge_intensity_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"Urge #{self.pk}"


class PracticeLog(models.Model):
    """A regulation practice the client did, with SUDS (0–10) before and after."""

    class Practice(models.TextChoices):
        BREATHING = "breathing", "Slow breathing"
        GROUNDING = "grounding", "Grounding (5-4-3-2-1)"
        BODY_SCAN = "body_scan", "Body scan"
        MOVEMENT = "movement", "Movement or a walk"
        COLD_WATER = "cold_water", "Cold water"
        LOVING_PARENT = "loving_parent", "Loving Parent check-in"
        OTHER = "other", "Something else"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practice_logs"
    )
    at = models.DateTimeField()
    day = models.DateField()
    practice = models.CharField(max_length=14, choices=Practice.choices)
    suds_before = models.PositiveSmallIntegerField()
    suds_after = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["client", "-at"]
        indexes = [models.Index(fields=["client", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suds_before__lte=10, suds_after__lte=10),
                name="daily_practice_suds_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Practice #{self.pk}"


class PartsEntry(models.Model):
    """A dated parts-journal entry, tagged with the parts it is about."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="parts_entries"
    )
    at = models.DateTimeField()
    day = models.DateField()
    parts = models.JSONField(default=list, help_text="Part values (daily.models.Part).")
    text = models.TextField(max_length=PARTS_ENTRY_MAX)

    class Meta:
        ordering = ["client", "-at"]
        indexes = [models.Index(fields=["client", "day"])]
        verbose_name_plural = "parts entries"

    def __str__(self) -> str:
        return f"Parts entry #{self.pk}"
