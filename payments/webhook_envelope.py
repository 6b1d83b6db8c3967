"""The shape of a Stripe event, checked on the verified bytes before anything is stored.

A correct signature only says the bytes came from whoever holds the webhook secret; it says
nothing about what they hold. The ledger (StripeEvent) and the worker read a few fields and store
the rest as JSON, so a body is accepted only when it is an event object whose fields fit:

- a JSON object, parsed without letting deep nesting reach Python's recursion limit, and nested
  no deeper than MAX_DEPTH (the deepest real event is about ten levels);
- `object` is "event"; `id` a Stripe event id (`evt_` and letters, digits, underscores) that
  fits the column; `type` a dotted lower-case name that fits; `api_version` absent, null or a
  short version string; `livemode` a boolean; `data` an object whose `object` is an object;
- nothing PostgreSQL's jsonb refuses or JSON does not allow: no NUL in any string or key, no
  lone surrogate, no NaN or infinity.

Anything else raises MalformedEvent (the view answers 400 and keeps nothing).
"""

import json
import math
import re

from django.db import models

from .models import StripeEvent


class MalformedEvent(ValueError):
    """The body is not a Stripe event this ledger can keep (no detail from the body)."""


MAX_DEPTH = 64


def _max_length(name: str) -> int:
    """The length of one of the ledger's text columns, which the patterns below must fit."""
    field = StripeEvent._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"StripeEvent.{name} is not a text column with a maximum length")
    return field.max_length


_ID_LENGTH = _max_length("event_id")
_TYPE_LENGTH = _max_length("type")
_VERSION_LENGTH = _max_length("api_version")

EVENT_ID = re.compile(rf"evt_[A-Za-z0-9_]{{1,{_ID_LENGTH - len('evt_')}}}")
EVENT_TYPE = re.compile(rf"[a-z0-9_.]{{1,{_TYPE_LENGTH}}}")
API_VERSION = re.compile(rf"[A-Za-z0-9_.-]{{1,{_VERSION_LENGTH}}}")


def event_from_body(payload: bytes) -> dict:
    """The event in `payload` as plain data, or MalformedEvent."""
    try:
        text = payload.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedEvent("nested too deeply") from None
    except ValueError:  # not UTF-8, not JSON, an integer too long to read, NaN or Infinity
        raise MalformedEvent("not JSON") from None
    check_event(data)
    return data


def check_event(data) -> None:
    """MalformedEvent unless `data` (already parsed) is an event the ledger can keep."""
    if not isinstance(data, dict):
        raise MalformedEvent("not an object")
    _check_values(data)
    _check_envelope(data)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_values(data: dict) -> None:
    """Depth, and every string and key storable as jsonb, without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            raise MalformedEvent("nested too deeply")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_string(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise MalformedEvent("a number out of range")


def _check_string(value: str) -> None:
    if "\x00" in value:
        raise MalformedEvent("a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800): not text
        raise MalformedEvent("not text") from None


def _check_envelope(data: dict) -> None:
    if data.get("object") != "event":
        raise MalformedEvent("not an event")
    if not _matches(EVENT_ID, data.get("id")):
        raise MalformedEvent("not an event id")
    if not _matches(EVENT_TYPE, data.get("type")):
        raise MalformedEvent("not an event type")
    version = data.get("api_version")
    if version not in (None, "") and not _matches(API_VERSION, version):
        raise MalformedEvent("not an API version")
    if not isinstance(data.get("livemode"), bool):
        raise MalformedEvent("livemode is not a boolean")
    inner = data.get("data")
    if not isinstance(inner, dict) or not isinstance(inner.get("object"), dict):
        raise MalformedEvent("no object in data")


def _matches(pattern: re.Pattern, value) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None
