"""The webhook ledger keeps only what processing reads: no name, email,
phone or address of the payer is stored for any event, processed or ignored, and processed and
ignored rows are deleted after the retention period, while failed ones stay for an operator."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from courses.services.enrollment import enrollment_create
from payments.ledger import event_minimised, stripe_events_sweep
from payments.models import BillingAccount, CheckoutSession, Plan, StripeEvent
from payments.services.webhooks import stripe_event_process
from tests.factories import make_track

from .stripe_events import EVENTS, VERSIONS, post, with_reference

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
PERSONAL = {
    "address", "billing_details", "customer_address", "customer_details", "customer_email",
    "customer_name", "customer_phone", "customer_shipping", "email", "evidence", "name",
    "phone", "receipt_email", "shipping", "shipping_details",
}  # fmt: skip
EVENT_FILES = [(version, name) for version in VERSIONS for name in EVENTS.names(version)]


def personal_values(node) -> set[str]:
    """Every string under a personal-data key, at any depth."""
    found: set[str] = set()
    stack = [(node, False)]
    while stack:
        value, personal = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, personal or k in PERSONAL) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, personal) for v in value)
        elif personal and isinstance(value, str) and len(value) > 2:
            found.add(value)
    return found


def keys(node) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            found.update(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


@pytest.fixture
def checkout(db, client_a):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(track=track, slug="l-full", kind="full", amount=Decimal("450.00"))
    enrollment = enrollment_create(
        client=client_a, track=track, start_date=date(2026, 11, 24), status="pending_payment",
        now=NOW,
    )  # fmt: skip
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    return CheckoutSession.objects.create(account=account)


def test_the_fixtures_do_carry_personal_data():
    """Otherwise the test below could not fail."""
    names = {"Jordan Example", "jordan@example.com", "Morgan Example", "casey@example.com"}
    every = set().union(*(personal_values(EVENTS.load(n, v)) for v, n in EVENT_FILES))
    assert names <= every


@pytest.mark.parametrize(("version", "name"), EVENT_FILES)
def test_after_processing_no_personal_data_from_the_event_remains_in_its_row(
    client, checkout, version, name
):
    event = with_reference(EVENTS.load(name, version), checkout.reference)
    assert post(client, event).status_code == 200
    row = StripeEvent.objects.get(event_id=event["id"])
    stripe_event_process(event_row_id=row.pk, now=NOW)
    row.refresh_from_db()
    assert row.status in (StripeEvent.Status.PROCESSED, StripeEvent.Status.IGNORED)
    assert (row.event_id, row.type) == (event["id"], event["type"])  # idempotency holds
    assert not keys(row.payload) & PERSONAL
    stored = json.dumps(row.payload)
    for value in personal_values(event):
        assert value not in stored, value


def test_an_event_of_a_kind_we_ignore_keeps_only_what_it_is(client, db):
    customer = {
        "id": "cus_Ignored1", "object": "customer", "email": "riley@example.com",
        "name": "Riley Example", "phone": "+15555550123",
        "address": {"line1": "1 Main St", "city": "Springfield"},
        "metadata": {"note": "called about her divorce"},
    }  # fmt: skip
    event = {
        "id": "evt_IgnoredCustomer", "object": "event", "type": "customer.updated",
        "api_version": "2026-07-29.dahlia", "created": 1764000000, "livemode": False,
        "data": {"object": customer, "previous_attributes": {"email": "old@example.com"}},
    }  # fmt: skip
    assert post(client, event).status_code == 200
    row = StripeEvent.objects.get()
    assert stripe_event_process(event_row_id=row.pk, now=NOW) == StripeEvent.Status.IGNORED
    row.refresh_from_db()
    assert row.payload == {
        "id": "evt_IgnoredCustomer", "object": "event", "type": "customer.updated",
        "api_version": "2026-07-29.dahlia", "created": 1764000000, "livemode": False,
        "data": {"object": {"id": "cus_Ignored1", "object": "customer"}},
    }  # fmt: skip


def test_an_expanded_object_keeps_only_its_id():
    event = {
        "id": "evt_1", "type": "checkout.session.completed",
        "data": {"object": {
            "object": "checkout.session", "id": "cs_1",
            "customer": {"id": "cus_1", "email": "x@example.com", "name": "X Example"},
            "metadata": {"reference": "ehab_r", "name": "X Example"},
        }},
    }  # fmt: skip
    assert event_minimised(event)["data"]["object"] == {
        "object": "checkout.session", "id": "cs_1", "customer": "cus_1",
        "metadata": {"reference": "ehab_r"},
    }  # fmt: skip


def ledger_row(event_id: str, status: str, age: timedelta) -> StripeEvent:
    return StripeEvent.objects.create(
        event_id=event_id, type="invoice.paid", payload={"id": event_id}, status=status,
        received_at=NOW - age,
    )  # fmt: skip


def test_the_sweep_deletes_old_processed_and_ignored_rows_and_keeps_failed_and_recent_ones(db):
    S = StripeEvent.Status
    old, recent = timedelta(days=90, seconds=1), timedelta(days=89, hours=23)
    ledger_row("evt_old_processed", S.PROCESSED, old)
    ledger_row("evt_old_ignored", S.IGNORED, old)
    ledger_row("evt_old_failed", S.FAILED, timedelta(days=400))
    ledger_row("evt_old_received", S.RECEIVED, timedelta(days=400))
    ledger_row("evt_recent_processed", S.PROCESSED, recent)
    assert stripe_events_sweep(now=NOW, batch=1) == 2
    assert sorted(StripeEvent.objects.values_list("event_id", flat=True)) == [
        "evt_old_failed", "evt_old_received", "evt_recent_processed",
    ]  # fmt: skip
    assert stripe_events_sweep(now=NOW) == 0


def test_the_retention_period_is_a_setting(db, settings):
    settings.EHAB_STRIPE_EVENT_RETENTION_DAYS = 7
    ledger_row("evt_eight_days", StripeEvent.Status.PROCESSED, timedelta(days=8))
    ledger_row("evt_six_days", StripeEvent.Status.IGNORED, timedelta(days=6))
    assert stripe_events_sweep(now=NOW) == 1
    assert list(StripeEvent.objects.values_list("event_id", flat=True)) == ["evt_six_days"]


def test_beat_sweeps_the_ledger_every_day(db):
    from ehab.celery import app
    from payments.tasks import sweep_stripe_events

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == sweep_stripe_events.name]
    assert [e["schedule"] for e in entries] == [86400.0]
    ledger_row("evt_old", StripeEvent.Status.PROCESSED, timedelta(days=91))
    with time_machine.travel(NOW, tick=False):
        assert sweep_stripe_events() == 1
    assert not StripeEvent.objects.exists()
