"""Account forms."""

import unicodedata
import zoneinfo

from django import forms

from .validators import validate_phone

# Offer the zones people actually live in, US first, then every other regional zone and UTC.
_US_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
]


def timezone_choices() -> list[tuple[str, str]]:
    others = sorted(
        z
        for z in zoneinfo.available_timezones()
        if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )
    return (
        [(z, z.replace("_", " ")) for z in _US_ZONES]
        + [(z, z.replace("_", " ")) for z in others if z not in _US_ZONES]
        + [("UTC", "UTC")]
    )


class ProfileForm(forms.Form):
    preferred_name = forms.CharField(
        label="What should we call you?",
        max_length=80,
        required=False,
        help_text="Only you and your care team see this. A first name or nickname is fine.",
    )
    timezone = forms.ChoiceField(
        label="Your time zone",
        help_text="New weeks open and reminders arrive in this time zone.",
    )
    phone = forms.CharField(
        label="Mobile number (optional)",
        max_length=16,
        required=False,
        validators=[validate_phone],
        help_text="International form, for example +13055550123. Used only if you choose text "
        "reminders.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()

    def clean_preferred_name(self) -> str:
        value = self.cleaned_data["preferred_name"].strip()
        # Control characters and bidirectional overrides could disguise the name on screen.
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise forms.ValidationError("Please use letters, spaces and everyday punctuation.")
        return value
