"""The client's forms for the daily structure: the DSAP and the two halves of the check-in.
No `maxlength` in the page (a browser would cut a pasted text short without a word): a text
too long comes back with everything typed and how much to shorten it."""

from typing import Any

from django import forms

from .models import DSAP_SECTION_MAX, LINE_MAX, MAX_ANCHORS, SCALE, BottomLines, Part, Safe

NUL = {"null_characters_not_allowed": "The text has a character that cannot be stored."}

DSAP_FIELDS = (
    (
        "bottom_lines",
        "My bottom lines",
        "What you are stepping away from, in your own words.",
    ),
    (
        "warning_signs",
        "My warning signs",
        "The early signs that the cycle is starting: feelings, places, times, thoughts.",
    ),
    (
        "anchors",
        "My daily anchors",
        f"One per line: small things that steady your day. The first {MAX_ANCHORS} appear "
        "in your evening check-in to tick off.",
    ),
)


def _length(limit: int):
    def check(value: str) -> None:
        if len(value) > limit:
            raise forms.ValidationError(
                f"This is {len(value):,} characters; the limit is {limit:,}. "
                "Nothing was lost: shorten it a little."
            )

    return check


class DsapForm(forms.Form):
    """The client's DSAP: three parts, each optional; the anchors one per line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label, help_text in DSAP_FIELDS:
            self.fields[key] = forms.CharField(
                label=label,
                help_text=help_text,
                required=False,
                widget=forms.Textarea(attrs={"rows": 5 if key == "anchors" else 4}),
                validators=[_length(DSAP_SECTION_MAX)],
                error_messages=NUL,
            )


SCALE_CHOICES = [(str(n), str(n)) for n in range(SCALE[0], SCALE[1] + 1)]
SCALE_ERRORS = {"invalid_choice": f"Please choose a number from {SCALE[0]} to {SCALE[1]}."}
CHOICE_ERRORS = {"invalid_choice": "Please choose one of the answers given."}


class CheckinMorningForm(forms.Form):
    """The morning: one line of intention."""

    intention = forms.CharField(
        label="My intention for today",
        help_text="One line, in your own words.",
        required=False,
        validators=[_length(LINE_MAX)],
        error_messages=NUL,
    )


def _scale_field(label: str, help_text: str) -> forms.TypedChoiceField:
    """An optional 0 to 10 answer, as a row of radio buttons."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=SCALE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages=SCALE_ERRORS,
    )


class CheckinEveningForm(forms.Form):
    """The evening review: anchors ticked from the day's list, mood and urge (0 to 10), the
    loudest part, bottom lines held or a lapse, what helped, and the safety question. Every
    part is optional."""

    anchors_done = forms.MultipleChoiceField(
        label="The anchors I kept today",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "That anchor is not on this day's list."},
    )
    mood = _scale_field("My mood today", "0 is very low, 10 is very good.")
    urge = _scale_field("The strongest urge today", "0 is none, 10 is overwhelming.")
    loudest_part = forms.ChoiceField(
        label="The part that was loudest today",
        choices=Part.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages=CHOICE_ERRORS,
    )
    bottom_lines = forms.ChoiceField(
        label="My bottom lines today",
        choices=BottomLines.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages=CHOICE_ERRORS,
    )
    helped = forms.CharField(
        label="What helped today",
        help_text="One line.",
        required=False,
        validators=[_length(LINE_MAX)],
        error_messages=NUL,
    )
    safe = forms.ChoiceField(
        label="Are you safe tonight?",
        choices=Safe.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages=CHOICE_ERRORS,
    )

    def __init__(self, *args: Any, anchors: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["anchors_done"].choices = [(anchor, anchor) for anchor in anchors]  # type: ignore[attr-defined]
        self.anchors = anchors
