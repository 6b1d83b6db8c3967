"""The webhook's envelope: a correctly signed body must still be the shape of a Stripe event, with
fields that fit the ledger, before anything is stored. Anything else is a 400 with nothing kept
(never a 500, never a row the worker then fails on seven times). The signature's timestamp must
be fresh both ways."""

import json
import time
from datetime import UTC, datetime

import pytest
import time_machine

from payments.models import StripeEvent

from .stripe_events import WEBHOOK_URL as URL
from .stripe_events import load, post, sign


def _event(**changes) -> dict:
    event = load("invoice.paid.manual_no_subscription")
    event.update(changes)
    return event


def _with_nested_nul() -> dict:
    event = _event()
    event["data"]["object"]["metadata"] = {"note": {"deeper": ["fine", "a\u0000b"]}}
    return event


def _with_nul_in_a_key() -> dict:
    event = _event()
    event["data"]["object"]["metadata"] = {"k\u0000": "v"}
    return event


def _without(field: str) -> dict:
    event = _event()
    del event[field]
    return event


def _deep(levels: int) -> bytes:
    """Lists within lists (2 bytes a level, so 100k levels stay under the body size limit)."""
    return b"[" * levels + b"]" * levels


def _deep_objects(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def _deep_inside_an_event(levels: int) -> bytes:
    event = _event()
    event["data"]["object"]["metadata"] = {"x": "PLACEHOLDER"}
    inner = _deep(levels)
    return json.dumps(event).encode().replace(b'"PLACEHOLDER"', inner)


def _raw(value) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


MALFORMED = {
    # Not an object at all.
    "a list": [1, 2, 3],
    "a string": "evt",
    "null": None,
    "a number": 12,
    "an empty object": {},
    "100k-deep nesting": _deep(100_000),
    "100k-deep nesting inside an event": _deep_inside_an_event(100_000),
    "nesting deeper than any event": _deep_objects(200),
    # The id.
    "no id": _without("id"),
    "a numeric id": _event(id=12345),
    "an id of 5,000 characters": _event(id="evt_" + "a" * 4996),
    "an id just over the column": _event(id="evt_" + "a" * 97),
    "an id that is not an event id": _event(id="ch_3SO6vzEk4bRq7TnWv5UPKK2b"),
    "an id with a NUL": _event(id="evt_abc\u0000"),
    # The type.
    "no type": _without("type"),
    "a type that is an object": _event(type={"a": 1}),
    "a type of 5,000 characters": _event(type="invoice." + "a" * 4992),
    "a type with spaces": _event(type="invoice paid"),
    "an empty type": _event(type=""),
    # The API version.
    "an api_version of 5,000 characters": _event(api_version="2026-07-29." + "a" * 4989),
    "an api_version that is a number": _event(api_version=20260729),
    # livemode, object, data.
    "livemode as a string": _event(livemode="false"),
    "no livemode": _without("livemode"),
    "not an event object": _event(object="v2.core.event"),
    "no data": _without("data"),
    "a list for data": _event(data=[1, 2]),
    "data.object a string": _event(data={"object": "invoice"}),
    "data without object": _event(data={}),
    # What PostgreSQL's jsonb refuses, and what JSON does not allow.
    "a NUL inside a nested string": _with_nested_nul(),
    "a NUL inside a key": _with_nul_in_a_key(),
    "a lone surrogate": _raw(_event()).replace(b'"usd"', b'"\\ud800"'),
    "NaN": _raw(_event()).replace(b'"amount_paid": 2500', b'"amount_paid": NaN'),
    "a number too large for a float": _raw(_event()).replace(
        b'"amount_paid": 2500', b'"amount_paid": 1e999'
    ),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_body_that_is_not_a_well_formed_event_is_400_and_stores_nothing(client, db, body):
    body = _raw(body)
    response = client.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
    )
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_every_in_repo_event_passes_the_envelope_check(client, db):
    from .stripe_events import EVENTS, VERSIONS

    for version in VERSIONS:
        for name in EVENTS.names(version):
            assert post(client, load(name, version)).status_code == 200, (version, name)
    assert StripeEvent.objects.count() == len(
        {load(n, v)["id"] for v in VERSIONS for n in EVENTS.names(v)}
    )


def test_an_event_at_the_column_limits_is_stored(client, db):
    event = _event(id="evt_" + "a" * 96, type="a" * 100, api_version="2" * 40)
    assert post(client, event).status_code == 200
    row = StripeEvent.objects.get()
    assert (len(row.event_id), len(row.type), len(row.api_version)) == (100, 100, 40)


@pytest.mark.parametrize("api_version", [None, "absent"])
def test_an_event_without_an_api_version_is_stored_with_none(client, db, api_version):
    event = _without("api_version") if api_version == "absent" else _event(api_version=None)
    assert post(client, event).status_code == 200
    assert StripeEvent.objects.get().api_version == ""


def test_a_signature_dated_ten_minutes_ahead_is_400(client, db):
    assert post(client, _event(), at=int(time.time()) + 600).status_code == 400
    assert StripeEvent.objects.count() == 0


@pytest.mark.parametrize(("offset", "status"), [(300, 200), (301, 400), (-300, 200), (-301, 400)])
def test_a_signature_is_accepted_within_five_minutes_of_now_either_way(client, db, offset, status):
    now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        response = post(client, _event(), at=int(now.timestamp()) + offset)
    assert response.status_code == status
    assert StripeEvent.objects.count() == (1 if status == 200 else 0)


def test_a_signature_dated_a_little_ahead_is_accepted(client, db):
    """Clocks drift: a few seconds ahead, within the tolerance, is fine."""
    assert post(client, _event(), at=int(time.time()) + 30).status_code == 200
    assert StripeEvent.objects.count() == 1


def test_a_duplicate_of_a_well_formed_event_is_still_accepted_once(client, db):
    event = _event()
    assert post(client, event).status_code == 200
    assert post(client, event).status_code == 200
    assert StripeEvent.objects.count() == 1
