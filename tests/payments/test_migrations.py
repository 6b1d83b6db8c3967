"""The migration that records each checkout's terms gives existing sessions those of their
account's plan, the only record there was."""

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
