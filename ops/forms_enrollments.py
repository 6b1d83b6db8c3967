"""The console's enrollment forms: find an enrollment, move it, withdraw, complete, re-admit."""

from django import forms

from courses.models import Cohort, Enrollment
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
