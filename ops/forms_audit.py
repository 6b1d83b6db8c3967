"""The audit trail page's filters: a person by email address, an action (or the start of one),
the outcome, and a range of days in the administrator's own time zone."""

from datetime import date, datetime, time, timedelta

from django import forms

from accounts.models import User
from audit.models import Outcome
from core.localtime import local_instant

# Deep pages of a trail that only grows are better reached by narrowing the days.
MAX_PAGE = 200
NO_SUCH_PERSON = "No account uses this email address."
EARLIEST, LATEST = 2000, 2100  # years: anything else is a typo (and year 1 overflows in a zone)


class AuditFilterForm(forms.Form):
    person = forms.EmailField(
        label="Person's email address",
        required=False,
        help_text="What they did and what was done to their account or records.",
    )
    action = forms.RegexField(
        label="Action",
        regex=r"^[a-z_]+\.?[a-z_]*$",
        max_length=64,
        required=False,
        help_text="An action such as account.role_changed, or the start of one, such as care.",
        error_messages={"invalid": "Use an action name such as care.note_signed, or care."},
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("", "Allowed and denied"), *Outcome.choices], required=False
    )
    since = forms.DateField(label="From (day)", required=False)
    until = forms.DateField(label="To (day, included)", required=False)
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False)

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["page"].widget = forms.HiddenInput()

    def clean_person(self) -> User | None:
        email = self.cleaned_data["person"]
        if not email:
            return None
        person = User.objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(NO_SUCH_PERSON)
        return person

    def _plausible(self, name: str) -> date | None:
        day = self.cleaned_data[name]
        if day is not None and not (EARLIEST <= day.year <= LATEST):
            raise forms.ValidationError(f"Choose a day between {EARLIEST} and {LATEST}.")
        return day

    def clean_since(self) -> date | None:
        return self._plausible("since")

    def clean_until(self) -> date | None:
        return self._plausible("until")

    def clean(self):
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "Choose a day on or after the first day.")
        return cleaned

    def _start_of(self, day: date | None) -> datetime | None:
        return None if day is None else local_instant(day, time(0), self.zone)

    def filters(self) -> dict:
        """The selector's arguments: days become instants in the administrator's zone, the last
        day included."""
        data = self.cleaned_data
        until = data.get("until")
        return {
            "person": data.get("person"),
            "action": data.get("action") or "",
            "outcome": data.get("outcome") or "",
            "since": self._start_of(data.get("since")),
            "until": self._start_of(until + timedelta(days=1) if until else None),
            "number": data.get("page") or 1,
        }
