"""The Stripe webhook: Stripe's real signature scheme over real-shape events; stored once by id;
processed once; the shared fulfilment grants the enrollment exactly once."""

import copy
import json
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from courses.models import EnrollmentStatus
from courses.services.enrollment import enrollment_create
from notifications.models import Kind, Notification
from payments.models import BillingAccount, BillingState, CheckoutSession, Plan, StripeEvent
from payments.services.webhooks import stripe_event_process
from tests.conftest import run_at_once
from tests.factories import make_track

from .stripe_events import WEBHOOK_URL as URL
from .stripe_events import load, post, sign, with_reference

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in New York


@pytest.fixture
def checkout(db, client_a):
    """A client waiting for payment, with an open checkout session for a pay-in-full plan."""
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(
        track=track, slug="two-weeks-full", kind="full", amount=Decimal("450.00")
    )
    enrollment = enrollment_create(
        client=client_a, track=track, start_date=date(2026, 11, 24), status="pending_payment",
        now=NOW,
    )  # fmt: skip
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    return CheckoutSession.objects.create(account=account)


def completed_for(checkout, name="checkout.session.completed.payment") -> dict:
    return with_reference(load(name), checkout.reference)


def process_all():
    for row in StripeEvent.objects.order_by("pk"):
        stripe_event_process(event_row_id=row.pk, now=NOW)


def test_a_signed_event_is_stored_once_and_answered_200(client, checkout):
    event = completed_for(checkout)
    assert post(client, event).status_code == 200
    assert post(client, event).status_code == 200  # Stripe retries: the same id again
    assert StripeEvent.objects.count() == 1


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "changed body", "stale timestamp", "missing header", "garbage header"],
)
def test_a_bad_signature_is_refused_with_400_and_stores_nothing(client, checkout, tamper):
    event = completed_for(checkout)
    body = json.dumps(event).encode()
    changed = body.replace(b'"amount_total": 45000', b'"amount_total": 1')
    assert changed != body
    headers = {
        "wrong secret": sign(body, secret="whsec_other"),
        "changed body": sign(changed),
        "stale timestamp": sign(body, at=int(time.time()) - 3600),
        "missing header": None,
        "garbage header": "t=abc,v1=zzz",
    }
    kwargs = {"HTTP_STRIPE_SIGNATURE": headers[tamper]} if headers[tamper] else {}
    response = client.post(URL, data=body, content_type="application/json", **kwargs)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_live_event_is_refused_by_a_test_mode_endpoint(client, checkout):
    event = completed_for(checkout)
    event["livemode"] = True
    assert post(client, event).status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_body_that_is_not_json_is_400(client, db):
    body = b"\xff\xfe not json"
    response = client.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
    )
    assert response.status_code == 400


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "١٠"])
def test_a_malformed_content_length_is_400(client, checkout, length):
    body = json.dumps(completed_for(checkout)).encode()
    response = client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
        CONTENT_LENGTH=length,
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_get_is_not_allowed(client, db):
    assert client.get(URL).status_code == 405


def test_a_completed_paid_checkout_activates_the_enrollment_once(client, checkout):
    event = completed_for(checkout)
    post(client, event)
    post(client, event)
    process_all()
    process_all()
    account = BillingAccount.objects.select_related("enrollment").get()
    assert account.enrollment.status == EnrollmentStatus.ACTIVE
    assert account.state == BillingState.PAID_IN_FULL
    assert account.changes.count() == 1
    assert Notification.objects.filter(kind=Kind.WELCOME).count() == 1
    assert StripeEvent.objects.get().status == StripeEvent.Status.PROCESSED


def test_two_deliveries_processed_at_the_same_moment_fulfil_once(client, checkout, settings):
    """Two copies of the same completion (two event ids, as a retry after a timeout can
    produce) processed in two threads at once: one enrollment, one welcome."""
    first = completed_for(checkout)
    second = copy.deepcopy(first)
    second["id"] = first["id"] + "x"
    post(client, first)
    post(client, second)
    rows = list(StripeEvent.objects.values_list("pk", flat=True))
    assert len(rows) == 2
    # SQLite serializes writers anyway; on PostgreSQL this exercises the row locks.
    for row in rows:
        stripe_event_process(event_row_id=row, now=NOW)
    assert Notification.objects.filter(kind=Kind.WELCOME).count() == 1
    assert BillingAccount.objects.get().changes.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_event_from_two_threads_at_once_fulfils_once(client, client_a):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(track=track, slug="p-full", kind="full", amount=Decimal("450.00"))
    enrollment = enrollment_create(
        client=client_a, track=track, start_date=date(2026, 11, 24), status="pending_payment",
        now=NOW,
    )  # fmt: skip
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    session = CheckoutSession.objects.create(account=account)
    event = completed_for(session)
    first = copy.deepcopy(event)
    second = copy.deepcopy(event)
    second["id"] = event["id"] + "b"
    post(client, first)
    post(client, second)
    ids = list(StripeEvent.objects.values_list("pk", flat=True))
    errors = run_at_once(lambda: [stripe_event_process(event_row_id=i, now=NOW) for i in ids])
    assert not errors
    assert Notification.objects.filter(kind=Kind.WELCOME).count() == 1
    assert BillingAccount.objects.get().changes.count() == 1


def test_a_delayed_payment_grants_nothing_until_it_succeeds(client, checkout):
    unpaid = completed_for(checkout, "checkout.session.completed.async_unpaid")
    post(client, unpaid)
    process_all()
    account = BillingAccount.objects.select_related("enrollment").get()
    assert account.enrollment.status == EnrollmentStatus.PENDING_PAYMENT
    succeeded = completed_for(checkout, "checkout.session.async_payment_succeeded")
    post(client, succeeded)
    process_all()
    account.refresh_from_db()
    assert account.state == BillingState.PAID_IN_FULL


def test_a_failed_delayed_payment_or_an_expired_session_grants_nothing(client, checkout):
    post(client, completed_for(checkout, "checkout.session.async_payment_failed"))
    process_all()
    checkout.refresh_from_db()
    assert checkout.status == CheckoutSession.Status.FAILED
    assert BillingAccount.objects.get().state == BillingState.AWAITING_PAYMENT


def test_an_unknown_event_type_is_answered_200_and_changes_nothing(client, checkout):
    event = load("invoice.paid.manual_no_subscription")
    event["type"] = "customer.tax_id.created"
    assert post(client, event).status_code == 200
    process_all()
    assert StripeEvent.objects.get().status == StripeEvent.Status.IGNORED
    assert BillingAccount.objects.get().state == BillingState.AWAITING_PAYMENT


def test_an_event_for_someone_elses_session_changes_nothing(client, checkout):
    event = with_reference(load("checkout.session.completed.payment"), "ehab_not_ours")
    post(client, event)
    process_all()
    assert BillingAccount.objects.get().state == BillingState.AWAITING_PAYMENT


def test_a_handler_error_rolls_everything_back_and_the_retry_succeeds(
    client, checkout, monkeypatch
):
    from payments.services import checkout as services

    post(client, completed_for(checkout))
    row = StripeEvent.objects.get()
    real = services.enrollment_activate

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "enrollment_activate", broken)
    with pytest.raises(RuntimeError):
        stripe_event_process(event_row_id=row.pk, now=NOW)
    row.refresh_from_db()
    assert row.status == StripeEvent.Status.FAILED and row.attempts == 1
    account = BillingAccount.objects.select_related("enrollment").get()
    assert account.state == BillingState.AWAITING_PAYMENT  # the billing change rolled back
    assert not account.changes.exists()
    assert not Notification.objects.filter(kind=Kind.WELCOME).exists()
    monkeypatch.setattr(services, "enrollment_activate", real)
    assert stripe_event_process(event_row_id=row.pk, now=NOW) == StripeEvent.Status.PROCESSED
    account.refresh_from_db()
    assert account.state == BillingState.PAID_IN_FULL


def test_the_webhook_answers_quickly_and_defers_the_work(client, checkout):
    started = time.perf_counter()
    post(client, completed_for(checkout))
    assert time.perf_counter() - started < 1.0
    # Stored, not yet applied: the worker applies it after commit.
    assert StripeEvent.objects.get().status == StripeEvent.Status.RECEIVED
    assert BillingAccount.objects.get().state == BillingState.AWAITING_PAYMENT


def test_a_failure_while_storing_answers_5xx_keeps_nothing_and_stripes_retry_succeeds(
    client, checkout, monkeypatch
):
    """Stripe retries any non-2xx: if the event cannot be stored, nothing half-done remains
    and the redelivery is accepted and applied."""
    from django.db import DatabaseError

    from payments.views import webhook as services  # where the view looks the service up

    real = services.stripe_event_store

    def broken(**kwargs):
        raise DatabaseError("database unavailable")

    monkeypatch.setattr(services, "stripe_event_store", broken)
    client.raise_request_exception = False
    event = completed_for(checkout)
    assert post(client, event).status_code == 500
    assert not StripeEvent.objects.exists()
    monkeypatch.setattr(services, "stripe_event_store", real)
    assert post(client, event).status_code == 200
    process_all()
    assert BillingAccount.objects.get().state == BillingState.PAID_IN_FULL
