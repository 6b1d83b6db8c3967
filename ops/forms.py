"""The console's forms. Cohorts: what an administrator types; the rules that need the database
(a name unique per track, capacity against seats taken, the track and start date once people
are enrolled) are the service's (ops.services.cohorts.cohort_check), and its refusal is put
back on the field it is about."""

import unicodedata
from typing import cast

from django import forms

from accounts.forms import timezone_choices
from courses.models import Track
from ops.selectors.cohorts import clinician_choices
from ops.services.cohorts import MAX_CAPACITY, CohortError, CohortFields

WEEKDAYS = [
    ("", "No weekly meeting"),
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
NOT_A_CLINICIAN = "Choose clinicians or clinical supervisors only."


def person_label(obj) -> str:
    """A person by name and email (two people may share a name)."""
    return f"{obj.preferred_name} ({obj.email})" if obj.preferred_name else obj.email


class ClinicianChoiceField(forms.ModelMultipleChoiceField):
    """Each person by name and email (two people may share a name)."""

    def label_from_instance(self, obj) -> str:
        return person_label(obj)


class CohortForm(forms.Form):
    track = forms.ModelChoiceField(
        label="Track", queryset=Track.objects.order_by("title"), empty_label=None
    )
    name = forms.CharField(label="Name", max_length=120)
    start_date = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}))
    capacity = forms.IntegerField(label="Seats", min_value=1, max_value=MAX_CAPACITY, initial=10)
    timezone = forms.ChoiceField(
        label="Time zone",
        initial="America/New_York",
        help_text="The start date and the meeting time are in this zone.",
    )
    meeting_weekday = forms.TypedChoiceField(
        label="Meeting day",
        choices=WEEKDAYS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    meeting_time = forms.TimeField(
        label="Meeting time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    clinicians = ClinicianChoiceField(
        label="Clinicians",
        queryset=clinician_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each follows every client of the cohort.",
        error_messages={"invalid_choice": NOT_A_CLINICIAN, "invalid_pk_value": NOT_A_CLINICIAN},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["timezone"]).choices = timezone_choices()
        cast(ClinicianChoiceField, self.fields["clinicians"]).queryset = clinician_choices()

    def clean_name(self) -> str:
        value = self.cleaned_data["name"].strip()
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise forms.ValidationError("Please use letters, numbers and everyday punctuation.")
        return value

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if ("meeting_weekday" in data and "meeting_time" in data) and (
            (data["meeting_weekday"] is None) != (data["meeting_time"] is None)
        ):
            self.add_error(
                "meeting_time", "Give both the meeting day and its time, or leave both empty."
            )
        return data

    def fields_to_store(self) -> CohortFields:
        data = self.cleaned_data
        return CohortFields(
            track=data["track"],
            name=data["name"],
            start_date=data["start_date"],
            capacity=data["capacity"],
            timezone=data["timezone"],
            meeting_weekday=data["meeting_weekday"],
            meeting_time=data["meeting_time"],
            clinicians=tuple(data["clinicians"]),
        )

    def refused(self, error: CohortError) -> None:
        """Put the service's refusal on the field it is about."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error))


def cohort_initial(cohort) -> dict:
    return {
        "track": cohort.track_id,
        "name": cohort.name,
        "start_date": cohort.start_date,
        "capacity": cohort.capacity,
        "timezone": cohort.timezone,
        "meeting_weekday": "" if cohort.meeting_weekday is None else str(cohort.meeting_weekday),
        "meeting_time": cohort.meeting_time,
        "clinicians": [c.pk for c in cohort.clinicians.all()],
    }
