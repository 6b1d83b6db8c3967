"""Plans in the admin: the billing console's form and services (the same clear errors instead of
constraint names, the same audit), and the terms someone bought never change under them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
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
        ({"installments": 1}, "Monthly installments need from 2 to 36 payments."),
        ({"amount": "0"}, "Enter at least 0.01."),
        ({"amount": "-5.00"}, "Enter at least 0.01."),
        ({"amount": "10.005"}, "Enter whole cents"),
        ({"currency": "$$$"}, "Choose a currency the site shows prices in: usd (US dollars)."),
        ({"currency": "eur"}, "Choose a currency the site shows prices in: usd (US dollars)."),
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


def test_a_plan_added_in_the_admin_is_saved_through_the_service_and_audited(
    client, superuser, signed_in
):
    signed_in(superuser)
    response = client.post(ADD, plan_data(TrackFactory(), currency="USD", slug="Core-Monthly"))
    assert response.status_code == 302, response.content[:600]
    plan = Plan.objects.get()
    assert (plan.currency, plan.slug) == ("usd", "core-monthly")
    event = AuditEvent.objects.get(action="billing.plan_created")
    assert event.actor == superuser and event.target_id == str(plan.pk)


def test_a_plan_changed_in_the_admin_is_saved_through_the_service(client, superuser, signed_in):
    track = TrackFactory()
    plan = Plan.objects.create(
        track=track, slug="core-monthly", kind="installments", installments=3, amount=450,
        stripe_price_id="price_old",
    )  # fmt: skip
    signed_in(superuser)
    response = client.post(
        reverse("admin:payments_plan_change", args=[plan.pk]), plan_data(track, amount="475.00")
    )
    assert response.status_code == 302, response.content[:600]
    plan.refresh_from_db()
    assert (plan.amount, plan.stripe_price_id) == (Decimal("475.00"), "")
    assert AuditEvent.objects.get(action="billing.plan_updated").metadata["price_cleared"] is True


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
