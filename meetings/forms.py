"""The forms for sessions: a cohort's series (the console), moving one session, and a
clinician's booking. The rules that need the database or the clock are the services'
(meetings.services), and their refusals are put back on the field they are about."""

from typing import cast

from django import forms

from accounts.models import User

from .models import MAX_LENGTH_MINUTES
from .services import MAX_BOOKED_WEEKS, SeriesFields, SessionError

WEEKDAY_CHOICES = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
HTTPS_ONLY = "The video link must start with https://."


def _date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def _time_field(label: str, **kwargs) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **kwargs
    )


def _length_field(initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label="Length (minutes)", min_value=1, max_value=MAX_LENGTH_MINUTES, initial=initial
    )


def _video_field() -> forms.URLField:
    return forms.URLField(
        label="Video link",
        max_length=500,
        assume_scheme="https",
        help_text="The practice's own video service (https). Only the Join button opens it: it "
        "is never written into a message or a calendar file.",
    )


class RefusalMixin:
    def refused(self, error: SessionError) -> None:
        """Put the service's refusal on the field it is about."""
        form = cast(forms.Form, self)
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error))

    def clean_video_url(self) -> str:
        value = cast(forms.Form, self).cleaned_data["video_url"]
        if not value.startswith("https://"):
            raise forms.ValidationError(HTTPS_ONLY)
        return value


class ClinicianField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.preferred_name} ({obj.email})" if obj.preferred_name else obj.email


class SeriesForm(RefusalMixin, forms.Form):
    """A cohort's weekly group session, in the cohort's own time zone."""

    weekday = forms.TypedChoiceField(label="Day", choices=WEEKDAY_CHOICES, coerce=int)
    start_time = _time_field("Starts at")
    length_minutes = _length_field(90)
    clinician = ClinicianField(
        label="Led by", queryset=User.objects.none(), empty_label=None,
        error_messages={"invalid_choice": "Choose one of the cohort's clinicians."},
    )  # fmt: skip
    video_url = _video_field()
    active_from = _date_field("First day")
    active_until = _date_field("Last day")

    def __init__(self, *args, clinicians, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(ClinicianField, self.fields["clinician"]).queryset = clinicians

    def clean(self):
        data = super().clean() or {}
        first, last = data.get("active_from"), data.get("active_until")
        if first and last and last < first:
            self.add_error("active_until", "The last day comes on or after the first.")
        return data

    def fields_to_store(self) -> SeriesFields:
        data = self.cleaned_data
        return SeriesFields(
            weekday=data["weekday"],
            start_time=data["start_time"],
            length_minutes=data["length_minutes"],
            video_url=data["video_url"],
            active_from=data["active_from"],
            active_until=data["active_until"],
            clinician=data["clinician"],
        )


def series_initial(series) -> dict[str, object]:
    return {
        "weekday": str(series.weekday),
        "start_time": series.start_time,
        "length_minutes": series.length_minutes,
        "clinician": series.clinician_id,
        "video_url": series.video_url,
        "active_from": series.active_from,
        "active_until": series.active_until,
    }


class MoveForm(RefusalMixin, forms.Form):
    """A new day and time for one session, in its series' time zone."""

    day = _date_field("New day")
    start_time = _time_field("New time")


class BookForm(RefusalMixin, forms.Form):
    """Individual sessions with one client, in the client's time zone."""

    day = _date_field("Day")
    start_time = _time_field("Starts at")
    length_minutes = _length_field(50)
    weeks = forms.IntegerField(
        label="Weeks",
        min_value=1,
        max_value=MAX_BOOKED_WEEKS,
        initial=1,
        help_text="1 for a single session; more to meet at the same time each week.",
    )
    video_url = _video_field()
