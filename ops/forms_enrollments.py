"""The console's enrollment forms: find an enrollment, move it, withdraw, complete, re-admit."""

from django import forms

from accounts.models import User
from accounts.roles import Role
from courses.models import Cohort, Enrollment, Track
from courses.services.enrollment import REASON_MAX

REASON_HELP = "Kept in the audit trail. Say why, briefly; no clinical detail."


class FindForm(forms.Form):
    email = forms.EmailField(label="Client's email address", max_length=254)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=REASON_MAX, help_text=REASON_HELP, strip=True
    )


class MoveForm(ReasonForm):
    """The cohort to move to (another cohort of the same track) and why."""

    field_order = ["cohort", "reason"]

    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), label="Move to cohort")

    def __init__(self, *args, enrollment: Enrollment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            Cohort.objects.filter(track_id=enrollment.track_id)
            .exclude(pk=enrollment.cohort_id or 0)
            .order_by("start_date", "name")
        )


class CohortChoiceForm(MoveForm):
    """The preview's choice of cohort (GET): no reason asked yet."""

    reason = None  # type: ignore[assignment]  # removes the field


class SwitchForm(ReasonForm):
    """Another track of the same program and audience, optionally one of its cohorts, and why."""

    field_order = ["track", "cohort", "reason"]

    track = forms.ModelChoiceField(queryset=Track.objects.none(), label="Switch to track")
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(),
        required=False,
        label="Into cohort (optional)",
        empty_label="No cohort: keep the client's own start date",
    )

    def __init__(self, *args, enrollment: Enrollment, **kwargs):
        super().__init__(*args, **kwargs)
        tracks = Track.objects.filter(
            program_id=enrollment.track.program_id, audience=enrollment.track.audience
        ).exclude(pk=enrollment.track_id)
        self.fields["track"].queryset = tracks.order_by("weeks", "title")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["cohort"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            Cohort.objects.filter(track__in=tracks).select_related("track").order_by("start_date")
        )

    def clean(self):
        data = super().clean() or {}
        track, cohort = data.get("track"), data.get("cohort")
        if track is not None and cohort is not None and cohort.track_id != track.pk:
            self.add_error("cohort", "That cohort runs another track.")
        return data


class TrackChoiceForm(SwitchForm):
    """The preview's choice of track and cohort (GET): no reason asked yet."""

    reason = None  # type: ignore[assignment]  # removes the field


def _cohort_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Cohort.objects.select_related("track").order_by("start_date", "name"),
        label="Cohort",
    )


class InviteForm(forms.Form):
    """A CSV file of people (a header row with name and email) and the cohort they join."""

    cohort = _cohort_field()
    people = forms.FileField(
        label="CSV file",
        help_text='First line: a header with "name" and "email". One person a line. '
        "Nobody is invited unless every line is right.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ManualEnrollForm(forms.Form):
    """An existing client's email address and the cohort they join without online payment."""

    email = forms.EmailField(label="Client's email address", max_length=254)
    cohort = _cohort_field()

    def clean_email(self) -> User:
        email = self.cleaned_data["email"]
        client = User.objects.filter(
            email__iexact=email, role__in=(Role.CLIENT, Role.PARTNER)
        ).first()
        if client is None:
            raise forms.ValidationError("No client account has that address.")
        return client
