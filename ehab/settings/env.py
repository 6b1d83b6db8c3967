"""Typed readers for settings that come from the environment.

Each reader fails loudly (ImproperlyConfigured) on a value it cannot parse, so a typo in a
deployment stops the process at start instead of running with a silent default.
"""

import os
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    """The variable as a string; required ones raise when unset or empty."""
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default if default is not None else ""
    return value


def env_bool(name: str, default: bool) -> bool:
    """The variable as a boolean: 1/true/yes/on or 0/false/no/off; unset or empty → default."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """The variable as an integer, optionally at least `minimum`."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated variable as a list of non-empty, stripped items."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_timezone(name: str, default: str) -> str:
    """An IANA time zone name, checked against the zone database."""
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not an IANA time zone.") from None
    return value


def env_choice(name: str, default: str, choices: set[str]) -> str:
    """A variable restricted to a fixed set of values."""
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {sorted(choices)}.")
    return value


def env_pairs(name: str, default: dict[str, str], *, separator: str = ",") -> dict[str, str]:
    """`key=value` items separated by `separator` as a dict (keys and values stripped); unset
    or empty → `default`. An item without `=`, or with an empty key or value, is refused."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return dict(default)
    pairs: dict[str, str] = {}
    for item in raw.split(separator):
        if not item.strip():
            continue
        key, found, value = item.partition("=")
        if not found or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name}: {item.strip()!r} is not key=value.")
        pairs[key.strip()] = value.strip()
    return pairs


def env_money(name: str, default: dict[str, str]) -> dict[str, Decimal]:
    """`key=amount` pairs (amounts in dollars with at most two decimal places, above zero), as
    exact Decimals."""
    amounts: dict[str, Decimal] = {}
    for key, raw in env_pairs(name, default).items():
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ImproperlyConfigured(f"{name}: {raw!r} is not an amount.") from None
        if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ImproperlyConfigured(f"{name}: {raw!r} must be above zero, in cents at most.")
        amounts[key] = amount.quantize(Decimal("0.01"))
    return amounts


def npi_is_valid(npi: str) -> bool:
    """A National Provider Identifier: ten digits whose last is the Luhn check digit of the
    first nine prefixed with 80840 (CMS's rule)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(d) for d in "80840" + npi[:9]]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])
