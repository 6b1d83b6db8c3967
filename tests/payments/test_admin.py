"""Plans in the admin: clear errors instead of constraint names, and the terms someone bought
never change under them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import BillingAccount, Plan
from tests.factories import EnrollmentFactory, TrackFactory

ADD = reverse("admin:payments_plan_add")


def plan_data(track, **changes) -> dict:
    data = {
        "track": track.pk,
        "slug": "core-monthly",
        "kind": Plan.Kind.INSTALLMENTS,
        "installments": 3,
        "amount": "450.00",
        "currency": "usd",
        "is_active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "full", "installments": 3}, "Pay in full is one payment: set installments to 1."),
        ({"installments": 1}, "Monthly installments need at least 2 payments."),
        ({"amount": "0"}, "Enter an amount above zero."),
        ({"amount": "-5.00"}, "Enter an amount above zero."),
        ({"currency": "$$$"}, "Enter a three-letter currency code, such as usd."),
        ({"currency": "us"}, "Enter a three-letter currency code, such as usd."),
    ],
)
def test_a_plan_that_cannot_be_sold_is_a_clear_form_error_and_nothing_is_saved(
    client, superuser, signed_in, changes, message
):
    track = TrackFactory()
    signed_in(superuser)
    response = client.post(ADD, plan_data(track, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Constraint" not in page
    assert not Plan.objects.exists()


def test_a_currency_code_is_kept_in_lower_case(client, superuser, signed_in):
    signed_in(superuser)
    response = client.post(ADD, plan_data(TrackFactory(), currency="EUR"))
    assert response.status_code == 302, response.content[:600]
    assert Plan.objects.get().currency == "eur"


def test_a_plan_s_terms_are_fixed_once_someone_has_bought_it(client, superuser, signed_in):
    track = TrackFactory()
    plan = Plan.objects.create(
        track=track, slug="core-monthly", kind="installments", installments=3, amount=450
    )
    BillingAccount.objects.create(enrollment=EnrollmentFactory(track=track), plan=plan)
    signed_in(superuser)
    response = client.post(
        reverse("admin:payments_plan_change", args=[plan.pk]),
        plan_data(
            TrackFactory(),
            slug="renamed",
            kind="full",
            installments=1,
            amount="1.00",
            currency="eur",
            is_active="",
        ),
    )
    assert response.status_code == 302, response.content[:600]
    plan.refresh_from_db()
    assert (plan.track, plan.slug, plan.kind, plan.installments, plan.amount, plan.currency) == (
        track,
        "core-monthly",
        "installments",
        3,
        Decimal("450.00"),
        "usd",
    )
    assert plan.is_active is False  # retiring a plan from sale is still possible
