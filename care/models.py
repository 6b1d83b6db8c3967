"""Clinical care records: who cares for whom, progress notes, risk flags and the client's safety
plan. (A client's worksheets are course records: courses.WorksheetResponse.)"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.worksheets import FILLABLE, SAFETY_PLAN, SAFETY_PLAN_SECTION_MAX


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


class RiskFlag(models.Model):
    """A sign that a client may not be safe (S-2): raised by a risk answer (PHQ-9 item 9 above
    0), the check-in's safety question, the client's own "I'm not safe right now", or a
    clinician. Raised → acknowledged (a member of the care team has seen it) → resolved (with
    the action taken). Unacknowledged past its deadline it escalates once (S-5). Visible only to
    the client's care team and to administrators marked clinical; never to billing staff."""

    class Source(models.TextChoices):
        MEASURE = "measure", "A questionnaire answer"
        CHECKIN = "checkin", "The check-in's safety question"
        CLIENT = "client", "The client said they are not safe"
        CLINICIAN = "clinician", "Raised by the care team"

    class Status(models.TextChoices):
        RAISED = "raised", "Raised"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    class ActionTaken(models.TextChoices):
        CONTACTED = "contacted", "Contacted the client"
        PLAN_REVIEWED = "plan_reviewed", "Reviewed the safety plan with the client"
        REFERRED = "referred", "Referred to crisis or emergency care"
        NO_ACTION = "no_action", "No action (reason given)"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="risk_flags"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    # What raised it: the questionnaire answer (measures.Administration id) or the check-in
    # (issue [6/10]); empty for the client's button and a clinician's flag.
    source_ref = models.CharField(max_length=64, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True, max_length=2000, help_text="The care team's own words.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RAISED)
    raised_at = models.DateTimeField()
    escalate_at = models.DateTimeField(help_text="When it escalates if nobody acknowledges it.")
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_taken = models.CharField(max_length=16, choices=ActionTaken.choices, blank=True)
    action_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["status", "escalate_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="raised", acknowledged_at__isnull=True)
                | models.Q(status__in=["acknowledged", "resolved"], acknowledged_at__isnull=False),
                name="care_flag_acknowledged_iff_acknowledged_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="resolved")
                | (models.Q(resolved_at__isnull=False) & ~models.Q(action_taken="")),
                name="care_flag_resolved_with_an_action",
            ),
        ]

    def __str__(self) -> str:
        return f"Risk flag #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


# --- The client's safety plan (S-4, decision 0014) ---------------------------------------------


@dataclass(frozen=True)
class PlanSection:
    """One of the plan's seven sections: its field, its heading on the page, the question the
    form asks, and a line of help."""

    key: str
    heading: str
    label: str
    help: str


SAFETY_PLAN_SECTIONS = (
    PlanSection(
        "warning_signs",
        "My warning signs",
        "What are the warning signs that pressure is building in me?",
        "Body sensations, thoughts, situations, times of day, moods. A few words each is enough.",
    ),
    PlanSection(
        "coping",
        "Things I can do on my own",
        "What can I do on my own, in the moment, to steady myself?",
        "One or two things you could do in the next ten minutes, wherever you are.",
    ),
    PlanSection(
        "people_places",
        "People and places that steady me",
        "Which people and places help me feel steadier, without having to explain anything?",
        "A friend you can sit with, a coffee shop, the gym, a walk, a pet.",
    ),
    PlanSection(
        "ask_for_help",
        "People I can ask for help",
        "Who can I ask for help, and how would I reach them?",
        "Real names and how you would contact them: call, text, meet.",
    ),
    PlanSection(
        "professionals",
        "Professionals and 988",
        "Which professionals and services can I contact, and how?",
        "Your clinician, your doctor, other services, with their numbers. 988 and 911 are "
        "always listed here for you.",
    ),
    PlanSection(
        "safe_space",
        "Making my space safer",
        "What can I put away, block or hand to someone, to make my space safer?",
        "Anything you could use to hurt yourself, and anything that pulls you back toward the "
        "old pattern. Small steps count.",
    ),
    PlanSection(
        "reasons",
        "My reasons",
        "What are my reasons for getting through hard moments?",
        "People, hopes, things you care about. One is enough.",
    ),
)
# The sections are the curriculum's contract too (a worksheet's `fills`, courses.worksheets).
assert tuple(section.key for section in SAFETY_PLAN_SECTIONS) == FILLABLE[SAFETY_PLAN]


class SafetyPlanImmutableError(Exception):
    """Raised on any attempt to change or delete a stored version of a safety plan."""


def _section_field() -> models.TextField:
    return models.TextField(blank=True, max_length=SAFETY_PLAN_SECTION_MAX)


class SafetyPlan(models.Model):
    """One version of a client's own safety plan, in their words (S-4): what they notice, what
    they can do, who and where helps, professionals, a safer space, their reasons. Every save is
    a new row and none is ever changed or deleted, so nothing they wrote is lost; the current
    plan is the newest version. Never paused for billing; visible to the client and to their
    care team (the record's Safety plan section), never to billing staff or administrators."""

    class Source(models.TextChoices):
        PAGE = "page", "The safety plan page"
        WORKSHEET = "worksheet", "The week 1 worksheet"

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_plans"
    )
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PAGE)
    created_at = models.DateTimeField()
    warning_signs = _section_field()
    coping = _section_field()
    people_places = _section_field()
    ask_for_help = _section_field()
    professionals = _section_field()
    safe_space = _section_field()
    reasons = _section_field()

    class Meta:
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "version"], name="care_safety_plan_one_row_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="care_safety_plan_version_from_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Safety plan #{self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SafetyPlanImmutableError("A saved safety plan is never changed: save a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SafetyPlanImmutableError("A saved safety plan is never deleted.")

    def sections(self) -> dict[str, str]:
        """The plan's text by section key."""
        return {section.key: getattr(self, section.key) for section in SAFETY_PLAN_SECTIONS}


class Diagnosis(models.Model):
    """The diagnosis code a clinician entered for the client's superbills: one of the codes the
    practice configured (settings.EHAB_DIAGNOSIS_CODES, ICD-10-CM). Each entry is a row; the
    newest entered by a given instant is the one in force then. Seen by the care team on the
    record and by the client on their own superbill only: never by billing staff or
    administrators, never in the audit trail."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="diagnoses"
    )
    code = models.CharField(max_length=16)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "-entered_at", "-pk"]
        indexes = [models.Index(fields=["client", "entered_at"])]

    def __str__(self) -> str:
        return f"Diagnosis #{self.pk}"
