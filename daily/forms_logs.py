"""The forms of the lapse pages and the small logs. Every choice is a set of big radio buttons
(or checkboxes) that wrap on a phone; every text is a plain text area without a `maxlength`, so
nothing typed is ever cut off: the services (daily.services.lapses, daily.services.logs) say what
is too long and the page comes back with the text as typed (400)."""

from datetime import date, timedelta
from typing import Any, cast

from django import forms

from .days import LATE_FILL_DAYS
from .models import SCALE, Lapse, Part, PracticeLog, UrgeLog

NUL = {"null_characters_not_allowed": "The text has a character that cannot be stored."}
SKIP = ("", "Leave this for now")
SCALE_CHOICES = [(n, str(n)) for n in range(SCALE[0], SCALE[1] + 1)]


class TypedText(forms.Textarea):
    """A text area that gives back what was typed; a NUL character (refused, and not allowed in
    HTML) shows as U+FFFD, the replacement character, as a browser would show it."""

    def format_value(self, value: Any) -> str | None:
        formatted = super().format_value(value)
        return formatted.replace("\x00", "\ufffd") if formatted is not None else None


def _scale(label: str, *, required_message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": required_message,
            "invalid_choice": "Choose a number from 0 to 10.",
        },
    )


def _radios(label: str, choices: Any, *, required_message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": required_message,
            "invalid_choice": "Choose one of the options.",
        },
    )


def _step(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        strip=False,
        widget=TypedText(attrs={"rows": 3}),
        error_messages=NUL,
    )


def day_label(day: date, *, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day:%A} {day.day} {day:%B}"


class LapseNewForm(forms.Form):
    """Which day the lapse was: today (the default) or one of the LATE_FILL_DAYS before."""

    day = forms.TypedChoiceField(
        label="Which day was it?",
        coerce=date.fromisoformat,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the day it happened.",
            "invalid_choice": "Choose one of the days listed.",
        },
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": today.isoformat()})
        super().__init__(*args, **kwargs)
        days = [today - timedelta(days=n) for n in range(LATE_FILL_DAYS + 1)]
        field = cast(forms.TypedChoiceField, self.fields["day"])
        field.choices = [(day.isoformat(), day_label(day, today=today)) for day in days]


class LapseChainForm(forms.Form):
    """The guided chain analysis: every step can be answered or left."""

    situation = _step(
        "What was happening?",
        "Where you were, what time it was, what had happened earlier in the day.",
    )
    body = _step(
        "What did you notice in your body?",
        "Tight chest, restless, tired, numb: whatever you remember.",
    )
    thought = _step(
        "What were you telling yourself?",
        "The thought or the story that was loudest.",
    )
    part = forms.ChoiceField(
        label="Which part was loudest?",
        choices=[*Part.choices, SKIP],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the parts, or leave this step."},
    )
    stage = forms.ChoiceField(
        label="Where in the cycle were you when it started?",
        choices=[*Lapse.Stage.choices, SKIP],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the stages, or leave this step."},
    )
    needed = _step(
        "What did you need in that moment?",
        "Rest, company, comfort, to be heard: there is no wrong answer.",
    )
    next_time = _step(
        "What will you try next time?",
        "One small thing is enough: someone to text, a place to go, a practice.",
    )

    TEXT_STEPS = ("situation", "body", "thought", "needed", "next_time")

    @classmethod
    def initial_from(cls, lapse: Lapse) -> dict[str, str]:
        return {name: getattr(lapse, name) for name in cls.base_fields}


class UrgeForm(forms.Form):
    """An urge in three taps."""

    intensity = _scale(
        "How strong is it?", required_message="Choose how strong it is, from 0 to 10."
    )
    where = _radios(
        "Where do you feel it?", UrgeLog.Where.choices, required_message="Choose where you feel it."
    )
    did = _radios("What did you do?", UrgeLog.Did.choices, required_message="Choose what you did.")


class PracticeForm(forms.Form):
    """A body practice and how distressed the client felt before and after (SUDS 0–10)."""

    practice = _radios(
        "Which practice did you do?",
        PracticeLog.Practice.choices,
        required_message="Choose the practice you did.",
    )
    suds_before = _scale(
        "How distressed did you feel before?",
        required_message="Choose how you felt before, from 0 to 10.",
    )
    suds_after = _scale("And after?", required_message="Choose how you felt after, from 0 to 10.")


class PartsEntryForm(forms.Form):
    """A parts-journal entry: the parts it is about and what the client writes."""

    parts = forms.MultipleChoiceField(
        label="Which parts is this about?",
        choices=Part.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one part this entry is about.",
            "invalid_choice": "Choose parts from the list.",
        },
    )
    text = forms.CharField(
        label="What would you like to write?",
        strip=False,
        widget=TypedText(attrs={"rows": 6}),
        error_messages={"required": "Write a few words for this entry.", **NUL},
    )
