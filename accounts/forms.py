"""Account forms."""

import unicodedata
import zoneinfo
from collections.abc import Callable
from typing import cast

from allauth.account import forms as allauth_forms
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .services import totp_code_claim
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
        cast(forms.ChoiceField, self.fields["timezone"]).choices = timezone_choices()

    def clean_preferred_name(self) -> str:
        value = self.cleaned_data["preferred_name"].strip()
        # Control characters and bidirectional overrides could disguise the name on screen.
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise forms.ValidationError("Please use letters, spaces and everyday punctuation.")
        return value


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up form, costing the same whether or not the address has an account."""

    def try_save(self, request):
        if self.account_already_exists:
            # A new account's password is hashed (save_user → set_password), which is most of the
            # time a sign-up takes; an address that already has an account only gets an email.
            # Hash this password too and throw it away, so the answer comes no sooner and an
            # address cannot be tested for an account by timing.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class _OneUsePerCode:
    """allauth accepts an authenticator app's code once by remembering it in the cache, which
    fails open (Redis down or emptied); this refuses it a second time by the database as well
    (accounts.models.TotpCodeUse)."""

    # Set by the allauth form this is mixed into.
    authenticator: Authenticator
    _emit_authentication_failed: Callable[[Authenticator], None]

    def clean_code(self) -> str:
        code = super().clean_code()  # type: ignore[misc]  # the allauth form's own check
        authenticator = self.authenticator
        if (
            authenticator.type == Authenticator.Type.TOTP
            and code != mfa_settings.TOTP_INSECURE_BYPASS_CODE  # allauth allows it under DEBUG
            and not totp_code_claim(authenticator=authenticator, code=code, now=timezone.now())
        ):
            self._emit_authentication_failed(authenticator)
            raise get_mfa_adapter().validation_error("incorrect_code")
        return code


class MFAAuthenticateForm(_OneUsePerCode, mfa_forms.AuthenticateForm):
    """The second step of signing in."""


class MFAReauthenticateForm(_OneUsePerCode, mfa_forms.ReauthenticateForm):
    """Confirming it's still you before a sensitive change."""
