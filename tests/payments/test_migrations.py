"""The migration that records each checkout's terms gives existing sessions those of their
account's plan, the only record there was."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("payments", "0004_subscription_end_pending")]
AFTER = [("payments", "0006_checkout_terms_required")]
NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest():
    """Whatever a test migrated to, the database ends at the latest migrations again."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_checkouts_take_the_terms_of_their_accounts_plan(client_a):
    from courses.services.enrollment import enrollment_create
    from tests.factories import make_track

    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    enrollment = enrollment_create(
        client=client_a, track=track, start_date=date(2026, 11, 2), now=NOW
    )
    old = migrate(BEFORE)
    try:
        Plan = old.get_model("payments", "Plan")
        plan = Plan.objects.create(
            track_id=track.pk, slug="m-monthly", kind="installments", installments=3,
            amount=Decimal("150.00"), currency="usd",
        )  # fmt: skip
        account = old.get_model("payments", "BillingAccount").objects.create(
            enrollment_id=enrollment.pk, plan=plan
        )
        old.get_model("payments", "CheckoutSession").objects.create(
            account=account, reference="ehab_old"
        )
    finally:
        new = migrate(AFTER)
    session = new.get_model("payments", "CheckoutSession").objects.get(reference="ehab_old")
    assert (session.plan_id, session.mode, session.amount, session.currency) == (
        plan.pk, "subscription", Decimal("150.00"), "usd",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_ledger_rows_stored_in_full_before_are_minimised():
    from .stripe_events import load

    event = load("charge.refunded.full")
    old = migrate([("payments", "0007_billing_staff_action")])
    try:
        old.get_model("payments", "StripeEvent").objects.create(
            event_id=event["id"], type=event["type"], payload=event, status="processed"
        )
    finally:
        new = migrate([("payments", "0008_stripe_event_minimised")])
    row = new.get_model("payments", "StripeEvent").objects.get()
    stored = json.dumps(row.payload)
    assert "jordan@example.com" in json.dumps(event)
    for personal in ("jordan@example.com", "Jordan Example", "billing_details", "receipt_email"):
        assert personal not in stored
    charge = row.payload["data"]["object"]
    assert (row.payload["id"], charge["payment_intent"], charge["amount_refunded"]) == (
        event["id"], event["data"]["object"]["payment_intent"], 45000,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_enrollments_whose_billing_pauses_new_content_keep_their_new_weeks_held(client_a, client_b):
    """Courses now keeps the hold itself; an account paused before the change holds its
    enrollment's new weeks, and no other account does."""
    from courses.services.enrollment import enrollment_create
    from tests.factories import make_track

    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    paused, current = (
        enrollment_create(client=who, track=track, start_date=date(2026, 11, 2), now=NOW)
        for who in (client_a, client_b)
    )
    old = migrate([("payments", "0008_stripe_event_minimised")])
    try:
        Plan = old.get_model("payments", "Plan")
        plan = Plan.objects.create(
            track_id=track.pk, slug="h-monthly", kind="installments", installments=3,
            amount=Decimal("150.00"), currency="usd",
        )  # fmt: skip
        Account = old.get_model("payments", "BillingAccount")
        Account.objects.create(enrollment_id=paused.pk, plan=plan, state="content_paused")
        Account.objects.create(enrollment_id=current.pk, plan=plan, state="past_due")
    finally:
        new = migrate([("payments", "0009_hold_new_weeks_of_paused_accounts")])
    held = new.get_model("courses", "Enrollment").objects.filter(new_weeks_held_for_billing=True)
    assert list(held.values_list("pk", flat=True)) == [paused.pk]
