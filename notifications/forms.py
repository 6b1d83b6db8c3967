"""Notification preference forms."""

from django import forms

from .models import MANDATORY_KINDS, Channel, Kind

CLIENT_KINDS = [
    Kind.MODULE_RELEASED,
    Kind.FEEDBACK_READY,
    Kind.MODULE_NOT_STARTED,
    Kind.MODULE_NOT_FINISHED,
    Kind.CHECKIN_REMINDER,
    Kind.INACTIVITY_NUDGE,
    Kind.APPOINTMENT_REMINDER,
    Kind.APPOINTMENT_SOON,
]


class PreferencesForm(forms.Form):
    quiet_start = forms.TimeField(label="Quiet hours start", widget=forms.TimeInput(format="%H:%M"))
    quiet_end = forms.TimeField(label="Quiet hours end", widget=forms.TimeInput(format="%H:%M"))
    reminder_time = forms.TimeField(
        label="Daily reminder time", widget=forms.TimeInput(format="%H:%M")
    )

    def __init__(self, *args, kinds=CLIENT_KINDS, sms_available=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(Channel.EMAIL, "Email"), (Channel.NONE, "Don't send")]
        if sms_available:
            choices.insert(1, (Channel.SMS, "Text message"))
        for kind in kinds:
            allowed = [c for c in choices if not (kind in MANDATORY_KINDS and c[0] == Channel.NONE)]
            self.fields[f"kind_{kind}"] = forms.ChoiceField(
                label=Kind(kind).label, choices=allowed, widget=forms.RadioSelect
            )
        self.kinds = kinds
