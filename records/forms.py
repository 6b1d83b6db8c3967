"""The form to close an account: a confirmation, and an optional reason in the client's words."""

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
