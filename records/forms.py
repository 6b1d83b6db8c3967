"""The form to close an account: a confirmation, and an optional reason in the client's words."""

import unicodedata
from datetime import date

from django import forms


class ClosureForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that my access ends now, and that my records are kept.",
        error_messages={
            "required": "Please tick the box to confirm, or go back if you'd rather not."
        },
    )
    reason = forms.CharField(
        label="Anything you'd like us to know (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DateInput(forms.DateInput):
    input_type = "date"


NAME_REFUSED = "Please use letters, spaces and everyday punctuation."
EARLIEST_BIRTH = date(1900, 1, 1)
MAX_RANGE_DAYS = 366


class ClaimDetailsForm(forms.Form):
    """The client's legal name and date of birth, as their insurer has them."""

    legal_name = forms.CharField(
        label="Your full legal name",
        max_length=120,
        help_text="As it appears on your insurance card.",
    )
    date_of_birth = forms.DateField(label="Your date of birth", widget=DateInput)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_legal_name(self) -> str:
        value = " ".join(self.cleaned_data["legal_name"].split())
        if not value or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise forms.ValidationError(NAME_REFUSED)
        return value

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if not (EARLIEST_BIRTH <= born < self.today):
            raise forms.ValidationError(
                f"Choose a day between {EARLIEST_BIRTH.year} and yesterday."
            )
        return born


class SuperbillRangeForm(forms.Form):
    """The days a superbill covers, in the client's own zone: up to a year, none in the
    future."""

    since = forms.DateField(label="From", widget=DateInput)
    until = forms.DateField(label="To (included)", widget=DateInput)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since is None or until is None:
            return cleaned
        if until > self.today:
            self.add_error("until", "Choose a day up to today.")
        elif since > until:
            self.add_error("until", "Choose a day on or after the first day.")
        elif (until - since).days >= MAX_RANGE_DAYS:
            self.add_error("since", "A superbill covers a year at most: choose a later first day.")
        return cleaned
