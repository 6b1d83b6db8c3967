"""Query budgets for the pages that list things: the count stays flat as the data grows."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import LessonKind, WorksheetResponse
from courses.services.enrollment import enrollment_create
from notifications.models import Kind, Notification
from payments.models import BillingAccount, BillingState, Payment, Plan
from tests.factories import UserFactory, make_track

BUDGET = 15
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def queries(client, url) -> int:
    client.get(url)  # warm: sessions and per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def track(db):
    return make_track(weeks=4, lessons_per_module=3, trauma_weeks=())


def account_for(track, user, *, payments: int, state=BillingState.PAST_DUE):
    plan, _ = Plan.objects.get_or_create(
        slug=f"{track.slug}-m", defaults={"track": track, "kind": "installments",
                                          "installments": 3, "amount": Decimal("10")},
    )  # fmt: skip
    enrollment = enrollment_create(client=user, track=track, start_date=date(2026, 11, 2), now=NOW)
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan, state=state)
    for n in range(payments):
        Payment.objects.create(account=account, stripe_invoice_id=f"in_{account.pk}_{n}",
                               amount=Decimal("10"))  # fmt: skip
    return account


def test_my_work_is_flat_from_one_to_many_worksheets(client, track, signed_in):
    counts = []
    for responses in (1, 12):
        user = UserFactory()
        enrollment = enrollment_create(
            client=user, track=track, start_date=date(2026, 11, 2), now=NOW
        )
        lessons = [m.lessons.get(kind=LessonKind.WORKSHEET) for m in track.modules.all()]
        for n in range(responses):
            WorksheetResponse.objects.create(
                enrollment=enrollment, lesson=lessons[n % len(lessons)], status="submitted",
                version=n // len(lessons) + 1, answers={"one-word": "x"},
            )  # fmt: skip
        client.logout()
        signed_in(user)
        counts.append(queries(client, reverse("courses:my_work")))
    assert counts[0] == counts[1] <= BUDGET, counts


def test_the_billing_page_is_flat_from_one_to_many_payments(client, track, signed_in):
    counts = []
    for payments in (1, 10):
        account = account_for(track, UserFactory(), payments=payments)
        client.logout()
        signed_in(account.enrollment.client)
        counts.append(queries(client, reverse("my_billing:account")))
    assert counts[0] == counts[1] <= BUDGET, counts


def test_the_billing_console_and_an_account_are_flat(client, track, billing_user, signed_in):
    signed_in(billing_user)
    first = account_for(track, UserFactory(), payments=1)
    console_small = queries(client, reverse("billing:console"))
    account_small = queries(client, reverse("billing:account", args=[first.pk]))
    many = [account_for(make_track(weeks=1), UserFactory(), payments=8) for _ in range(15)]
    console_large = queries(client, reverse("billing:console"))
    account_large = queries(client, reverse("billing:account", args=[many[0].pk]))
    assert console_small == console_large <= BUDGET
    assert account_small == account_large <= BUDGET


def test_the_program_page_is_flat_from_one_to_many_plans(client, db):
    counts = []
    for tracks in (1, 6):
        for _ in range(tracks):
            track = make_track(weeks=1, lessons_per_module=1, trauma_weeks=())
            Plan.objects.create(
                track=track, slug=f"{track.slug}-f", kind="full", amount=1, stripe_price_id="p"
            )
        counts.append(queries(client, reverse("join:program")))
    assert counts[0] == counts[1] <= BUDGET, counts


def test_the_outbox_page_is_flat_from_few_to_many_messages(client, admin_user, signed_in):
    signed_in(admin_user)
    counts = []
    for messages in (1, 40):
        for n in range(messages):
            Notification.objects.create(
                user=admin_user, kind=Kind.MODULE_RELEASED, dedupe_key=f"b:{messages}:{n}"
            )
        counts.append(queries(client, reverse("notifications:operations")))
    assert counts[0] == counts[1] <= BUDGET, counts


@pytest.mark.parametrize("name", ["notifications:preferences", "accounts:profile"])
def test_settings_pages_stay_within_budget(client, client_a, signed_in, name):
    signed_in(client_a)
    assert queries(client, reverse(name)) <= BUDGET


def test_the_plan_page_stays_within_budget(client, track, client_a, signed_in):
    Plan.objects.create(track=track, slug="budget-full", kind="full", amount=1)
    signed_in(client_a)
    assert queries(client, reverse("join:plan", args=["budget-full"])) <= BUDGET
