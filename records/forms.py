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
EARLIEST_SERVICE = date(2000, 1, 1)  # anything before is a typo


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
    """The days a superbill covers, in the client's own zone: any range, none in the future."""

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
        elif since < EARLIEST_SERVICE:
            self.add_error("since", f"Choose a day from {EARLIEST_SERVICE.year} on.")
        return cleaned
