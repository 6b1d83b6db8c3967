"""Validators for account fields."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# E.164: a plus sign and 8 to 15 digits.
_E164 = re.compile(r"\A\+[1-9][0-9]{7,14}\Z")


def validate_timezone(value: str) -> None:
    """Accepts an IANA time zone name known to the zone database."""
    if not isinstance(value, str) or not value or len(value) > 64 or "\x00" in value:
        raise ValidationError(_("Choose a time zone from the list."), code="invalid_timezone")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(
            _("Choose a time zone from the list."), code="invalid_timezone"
        ) from None


def validate_phone(value: str) -> None:
    """Accepts a phone number in international form, e.g. +13055550123."""
    if not _E164.match(value or ""):
        raise ValidationError(
            _("Enter the number in international form, for example +13055550123."),
            code="invalid_phone",
        )


class MaximumLengthValidator:
    """Refuses passwords longer than `max_length` characters (long passphrases stay welcome)."""

    def __init__(self, max_length: int = 256):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("Use at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(max)d characters.") % {"max": self.max_length}
