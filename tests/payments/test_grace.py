"""S-4: a failed installment brings a grace period; after it, new weeks wait, while everything
already released, the client's writing and their safety plan stay open."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from courses.models import Enrollment, LessonKind, ModuleRelease
from courses.services.releases import enrollment_release_due_modules, release_sweep
from notifications.models import Kind, Notification
from payments.models import BillingAccount, BillingState
from payments.services.billing import billing_enforce_grace, billing_set_state
from tests.factories import CareAssignmentFactory, EnrollmentFactory, UserFactory, make_track

START = datetime(2026, 11, 2, 12, tzinfo=UTC)


@pytest.fixture
def account(db, client_a):
    track = make_track(weeks=6, lessons_per_module=3, trauma_weeks=())
    from payments.models import Plan

    plan = Plan.objects.create(
        track=track, slug="g-monthly", kind="installments", installments=3, amount=Decimal("10")
    )
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=enrollment, now=START)
    account = BillingAccount.objects.create(
        enrollment=enrollment, plan=plan, state=BillingState.INSTALLMENTS_CURRENT
    )
    return account


def fail_payment(account, when):
    locked = BillingAccount.objects.select_related("enrollment__client").get(pk=account.pk)
    billing_set_state(account=locked, to=BillingState.PAST_DUE, reason="payment_failed", now=when)


def test_a_failed_payment_alerts_the_client_billing_staff_and_the_clinician(account, client_a):
    billing = UserFactory(role=Role.BILLING)
    assignment = CareAssignmentFactory(client=client_a)
    fail_payment(account, START + timedelta(days=1))
    rows = Notification.objects.filter(kind__in=[Kind.BILLING_PAST_DUE, Kind.BILLING_ALERT])
    assert {(n.kind, n.user_id) for n in rows} == {
        (Kind.BILLING_PAST_DUE, client_a.pk),
        (Kind.BILLING_ALERT, billing.pk),
        (Kind.BILLING_ALERT, assignment.clinician_id),
    }


def test_during_the_grace_period_new_weeks_still_open(account):
    fail_payment(account, START + timedelta(days=1))
    assert billing_enforce_grace(now=START + timedelta(days=7)) == 0
    release_sweep(now=START + timedelta(days=8))
    assert ModuleRelease.objects.filter(enrollment=account.enrollment).count() == 2


def test_after_the_grace_new_weeks_wait_and_resume_on_payment(
    account, django_capture_on_commit_callbacks
):
    fail_payment(account, START + timedelta(days=1))
    assert billing_enforce_grace(now=START + timedelta(days=8, hours=1)) == 1
    account.refresh_from_db()
    assert account.state == BillingState.CONTENT_PAUSED
    release_sweep(now=START + timedelta(days=15))
    assert ModuleRelease.objects.filter(enrollment=account.enrollment).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        locked = BillingAccount.objects.select_related("enrollment__client").get(pk=account.pk)
        billing_set_state(
            account=locked,
            to=BillingState.INSTALLMENTS_CURRENT,
            reason="payment_resumed",
            now=START + timedelta(days=15),
        )
    # On resumption whatever is due opens at once.
    assert ModuleRelease.objects.filter(enrollment=account.enrollment).count() == 3


@pytest.mark.parametrize(
    "way_out", [BillingState.INSTALLMENTS_CURRENT, BillingState.CANCELLED, BillingState.DISPUTED]
)
def test_paused_content_holds_new_weeks_in_courses_until_billing_leaves_the_pause(account, way_out):
    """Billing tells courses, in the same transaction: entering the pause holds new weeks;
    leaving it, whichever way, lifts the hold and opens what is due."""
    fail_payment(account, START + timedelta(days=1))
    billing_enforce_grace(now=START + timedelta(days=8, hours=1))
    enrollment = Enrollment.objects.get(pk=account.enrollment_id)
    assert enrollment.new_weeks_held_for_billing is True
    assert enrollment.next_release_at is None
    locked = BillingAccount.objects.select_related("enrollment__client").get(pk=account.pk)
    billing_set_state(account=locked, to=way_out, reason="test", now=START + timedelta(days=15))
    enrollment.refresh_from_db()
    assert enrollment.new_weeks_held_for_billing is False
    assert ModuleRelease.objects.filter(enrollment=enrollment).count() == 3


def test_paused_billing_never_locks_released_weeks_writing_or_help(account, client, signed_in):
    fail_payment(account, START + timedelta(days=1))
    billing_enforce_grace(now=START + timedelta(days=9))
    signed_in(account.enrollment.client)
    week1 = account.enrollment.track.modules.get(week=1)
    lesson = week1.lessons.get(kind=LessonKind.WORKSHEET)
    assert client.get(reverse("courses:module", args=[week1.pk])).status_code == 200
    assert client.get(reverse("courses:lesson", args=[lesson.pk])).status_code == 200
    response = client.post(
        reverse("courses:worksheet_submit", args=[lesson.pk]),
        {"answer_one-word": "still here"},
    )
    assert response.status_code == 302
    assert client.get(reverse("courses:my_work")).status_code == 200
    assert client.get(reverse("crisis")).status_code == 200
    body = client.get(reverse("my_billing:account")).content.decode()
    assert "stays open" in body


def test_the_billing_page_shows_payments_and_the_next_installment(account, client, signed_in):
    from payments.models import Payment

    Payment.objects.create(account=account, stripe_invoice_id="in_1", amount=Decimal("10.00"))
    account.paid_installments = 1
    account.save()
    signed_in(account.enrollment.client)
    body = client.get(reverse("my_billing:account")).content.decode()
    assert "3 monthly payments of $10.00: 1 made" in body
    assert "$10.00" in body


def test_no_card_on_file_means_no_portal_call(account, client, signed_in):
    signed_in(account.enrollment.client)
    response = client.post(reverse("my_billing:portal"), follow=True)
    assert "no card details on file" in response.content.decode()
