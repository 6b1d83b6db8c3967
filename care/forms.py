"""The care team's forms on a client's record: one per pacing verb, and the progress note.

Every form says what is wrong in plain words; a refused form stores nothing (B-1). Pacing forms
offer only the weeks their verb fits (a week not open yet to hold or open early, a held week to
lift), taken from the schedule the page already read, so they cost no query."""

from datetime import date
from typing import Any, ClassVar, cast

from django import forms
from django.conf import settings
from django.utils.safestring import SafeString

from courses.models import Module, PacingReason
from courses.selectors import ModuleState
from courses.services.pacing import MAX_NOTE, MAX_SHIFT_DAYS
from courses.worksheets import SAFETY_PLAN_SECTION_MAX

from .formhtml import paragraphs
from .models import SAFETY_PLAN_SECTIONS, ProgressNote, RiskFlag
from .services import MAX_FLAG_NOTE, MAX_NOTE_TEXT

NUL = {"null_characters_not_allowed": "The text has a character that cannot be stored."}


class PacingForm(forms.Form):
    """A pacing action: a reason from the fixed list (its code goes into the audit trail) and
    an optional note for the care team (kept with the action; never shown to the client, never
    in the audit trail). Subclasses name their verb and add what it acts on. The verb travels
    in the page's form as a hidden `verb`, which the view reads to choose the form."""

    verb: ClassVar[str]
    title: ClassVar[str]
    button: ClassVar[str]
    # Pause, resume and shift move the whole schedule: they ask for a fresh sign-in.
    fresh_sign_in: ClassVar[bool] = False

    reason = forms.ChoiceField(
        choices=[("", "Choose…"), *PacingReason.choices],
        error_messages={
            "required": "Choose a reason.",
            "invalid_choice": "Choose a reason from the list.",
        },
    )
    note = forms.CharField(
        label="Note (optional: for the care team, never shown to the client)",
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"Keep the note under {MAX_NOTE:,} characters.", **NUL},
    )

    def __init__(self, *args: Any, weeks: list[ModuleState], **kwargs: Any) -> None:
        # Six forms share the record page: each field's id carries its verb.
        kwargs.setdefault("auto_id", f"pacing-{self.verb}-%s")
        super().__init__(*args, **kwargs)
        self.weeks = weeks
        self.order_fields(["week", "days", "reason", "note"])

    def as_p(self) -> SafeString:
        """Django's paragraphs, written without its templates when the form is empty (the
        record shows six of these: care/formhtml.py)."""
        return paragraphs(self)


class _WeekForm(PacingForm):
    """A pacing action on one week of the client's track, chosen from the weeks it fits."""

    week_error: ClassVar[str]
    week = forms.ChoiceField(label="Week")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choosable = {str(w.module.pk): w for w in self.weeks if self.fits(w)}
        field = cast(forms.ChoiceField, self.fields["week"])
        field.choices = [
            ("", "Choose a week…"),
            *((pk, f"Week {w.module.week}: {w.module.title}") for pk, w in self.choosable.items()),
        ]
        field.error_messages = {"required": self.week_error, "invalid_choice": self.week_error}

    def fits(self, week: ModuleState) -> bool:
        raise NotImplementedError

    def clean_week(self) -> Module:
        return self.choosable[self.cleaned_data["week"]].module

    @property
    def available(self) -> bool:
        return bool(self.choosable)


class HoldForm(_WeekForm):
    verb, title, button = "hold", "Hold a week", "Hold this week"
    week_error = "Choose a week that has not opened yet and is not held."

    def fits(self, week: ModuleState) -> bool:
        return not week.released and not week.held


class LiftHoldForm(_WeekForm):
    verb, title, button = "lift", "Lift a hold", "Lift the hold"
    week_error = "Choose a held week."

    def fits(self, week: ModuleState) -> bool:
        return week.held


class AdvanceForm(_WeekForm):
    verb, title, button = "advance", "Open a week early", "Open this week now"
    week_error = "Choose a week that has not opened yet (lift a hold to open a held week)."

    def fits(self, week: ModuleState) -> bool:
        return not week.released and not week.held


class PauseForm(PacingForm):
    verb, title, button = "pause", "Pause the program", "Pause the program"
    fresh_sign_in = True


class ResumeForm(PacingForm):
    verb, title, button = "resume", "Resume the program", "Resume the program"
    fresh_sign_in = True


class ShiftForm(PacingForm):
    verb, title, button = "shift", "Shift the schedule", "Shift the schedule"
    fresh_sign_in = True
    bounds = (
        f"Shift by 1 to {MAX_SHIFT_DAYS} days: a positive number moves the schedule later, "
        "a negative one earlier."
    )
    days = forms.IntegerField(
        label="Days (7 moves every week not open yet a week later; -7 a week earlier)",
        min_value=-MAX_SHIFT_DAYS,
        max_value=MAX_SHIFT_DAYS,
        error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), bounds),
    )

    def clean_days(self) -> int:
        days = self.cleaned_data["days"]
        if days == 0:
            raise forms.ValidationError(self.bounds)
        return days


PACING_FORMS: dict[str, type[PacingForm]] = {
    form.verb: form
    for form in (HoldForm, LiftHoldForm, AdvanceForm, PauseForm, ResumeForm, ShiftForm)
}


class NoteForm(forms.Form):
    """A progress note: the day it is about, its kind, and the text."""

    note_date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the note a date.", "invalid": "Enter a date."},
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("", "Choose…"), *ProgressNote.Kind.choices],
        error_messages={
            "required": "Choose a kind of note.",
            "invalid_choice": "Choose a kind of note from the list.",
        },
    )
    text = forms.CharField(
        label="Note",
        max_length=MAX_NOTE_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Write the note before saving it.",
            "max_length": f"Keep the note under {MAX_NOTE_TEXT:,} characters.",
            **NUL,
        },
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["note_date"].widget.attrs["max"] = today.isoformat()

    def as_p(self) -> SafeString:
        """Django's paragraphs, written without its templates when the form is not bound
        (care/formhtml.py)."""
        return paragraphs(self)

    def clean_note_date(self) -> date:
        note_date = self.cleaned_data["note_date"]
        if note_date > self.today:
            raise forms.ValidationError("A note cannot be dated in the future.")
        return note_date


# --- Risk flags -----------------------------------------------------------------------------


class RiskFlagRaiseForm(forms.Form):
    """A member of the care team raises a flag: what they noticed, in a line or two (kept on
    the flag for the care team; never in the audit trail, never shown to the client)."""

    note = forms.CharField(
        label="What you noticed",
        max_length=MAX_FLAG_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say in a line what you noticed.",
            "max_length": f"Keep it under {MAX_FLAG_NOTE:,} characters.",
            **NUL,
        },
    )


class RiskFlagResolveForm(forms.Form):
    """Resolving a flag: the action taken, and a note (required for "no action")."""

    action = forms.ChoiceField(
        label="What you did",
        choices=[("", "Choose…"), *RiskFlag.ActionTaken.choices],
        error_messages={
            "required": "Choose the action you took.",
            "invalid_choice": "Choose the action you took from the list.",
        },
    )
    note = forms.CharField(
        label="Note (required for no action: say why)",
        required=False,
        max_length=MAX_FLAG_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"Keep the note under {MAX_FLAG_NOTE:,} characters.", **NUL},
    )

    def __init__(self, *args: Any, flag_id: int, **kwargs: Any) -> None:
        # Several flags share the flags page: each field's id carries its flag.
        kwargs.setdefault("auto_id", f"flag-{flag_id}-%s")
        super().__init__(*args, **kwargs)
        self.flag_id = flag_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("action") == RiskFlag.ActionTaken.NO_ACTION
            and not (cleaned.get("note") or "").strip()
        ):
            self.add_error("note", "Say why no action was needed.")
        return cleaned


# --- Outcome measures ---------------------------------------------------------------------------


class MeasureIntervalForm(forms.Form):
    """How often the client is asked to answer the questionnaires, from their last answer."""

    interval_days = forms.TypedChoiceField(
        label="Ask every",
        coerce=int,
        choices=[
            (days, f"{days // 7} week{'s' if days > 7 else ''}") for days in (7, 14, 21, 28, 42, 56)
        ],
        error_messages={
            "required": "Choose how often to ask.",
            "invalid_choice": "Choose one of the intervals in the list.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "measures-%s")
        super().__init__(*args, **kwargs)


# --- The client's safety plan ------------------------------------------------------------------


class SafetyPlanForm(forms.Form):
    """The client's safety plan: seven parts, each optional. No `maxlength` in the page (a
    browser would cut a pasted text short without a word); a part that is too long comes back
    with everything typed and how much to shorten it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in SAFETY_PLAN_SECTIONS:
            self.fields[section.key] = forms.CharField(
                label=section.label,
                help_text=section.help,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                validators=[_section_length],
                error_messages=NUL,
            )


def _section_length(value: str) -> None:
    if len(value) > SAFETY_PLAN_SECTION_MAX:
        raise forms.ValidationError(
            f"This part is {len(value):,} characters; the limit is "
            f"{SAFETY_PLAN_SECTION_MAX:,}. Nothing was lost: shorten it a little."
        )


class DiagnosisForm(forms.Form):
    """The diagnosis code for the client's superbills, from the practice's configured list."""

    code = forms.ChoiceField(label="Diagnosis code (ICD-10-CM)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (code, f"{code}: {description}")
            for code, description in settings.EHAB_DIAGNOSIS_CODES.items()
        ]
        cast(forms.ChoiceField, self.fields["code"]).choices = [("", "Choose a code"), *choices]
