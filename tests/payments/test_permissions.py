"""The billing gates: the record, or the same denied 404 for a missing one and a forbidden one,
with a denial in the audit trail."""

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404

from audit.models import AuditEvent
from audit.selectors import audit_denials_counted
from payments.models import BillingAccount, CheckoutSession, Plan
from payments.permissions import (
    access_billing_account,
    access_enrolling,
    access_own_checkout,
    billing_accounts_in_console,
    own_billing_accounts,
)
from tests.factories import EnrollmentFactory, make_track


@pytest.fixture
def account(client_a):
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=())
    plan = Plan.objects.create(track=track, slug="p-full", kind="full", amount=Decimal("9"))
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    return BillingAccount.objects.create(enrollment=enrollment, plan=plan)


def refused(gate, user, **kwargs):
    before = audit_denials_counted(actor_id=user.pk)
    with pytest.raises(Http404):
        gate(user=user, **kwargs)
    return audit_denials_counted(actor_id=user.pk) - before


def test_the_console_opens_any_account_for_billing_staff_and_administrators(
    account, billing_user, admin_user
):
    for user in (billing_user, admin_user):
        assert access_billing_account(user=user, account_id=account.pk) == account
        assert list(billing_accounts_in_console(user=user)) == [account]


def test_nobody_else_opens_an_account_in_the_console_not_even_its_client(
    account, client_a, client_b, clinician
):
    for user in (client_a, client_b, clinician):
        assert refused(access_billing_account, user, account_id=account.pk) == 1
        assert not billing_accounts_in_console(user=user).exists()
    denial = AuditEvent.objects.filter(actor=client_a, target_type="payments.billingaccount")
    assert denial.get().target_id == str(account.pk)


def test_a_missing_or_malformed_account_is_refused_like_a_forbidden_one(billing_user):
    for account_id in (999_999, "nope"):
        assert refused(access_billing_account, billing_user, account_id=account_id) == 1


def test_a_checkout_opens_only_for_the_person_who_started_it(account, client_a, client_b):
    checkout = CheckoutSession.objects.create(account=account)
    assert access_own_checkout(user=client_a, reference=checkout.reference) == checkout
    assert refused(access_own_checkout, client_b, reference=checkout.reference) == 1
    assert refused(access_own_checkout, client_a, reference="ehab_made_up") == 1


def test_a_client_sees_only_their_own_billing_accounts(account, client_a, client_b):
    assert list(own_billing_accounts(user=client_a)) == [account]
    assert not own_billing_accounts(user=client_b).exists()


def test_only_clients_may_choose_a_plan(account, client_a, clinician, billing_user):
    access_enrolling(user=client_a, plan=account.plan)
    access_enrolling(user=client_a)
    for user in (clinician, billing_user):
        assert refused(access_enrolling, user, plan=account.plan) == 1
        assert refused(access_enrolling, user) == 1
