"""Plans in the billing console (/billing/plans/): the services and their rules (what is fixed
once someone has chosen a plan, what clears its Stripe price), the pages for billing staff and
administrators behind a fresh sign-in, sending a plan to Stripe (the fake), bad input as form
errors with nothing stored, outsiders' 404, and the list's query count."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from audit.selectors import audit_denials_counted
from payments import stripe_client
from payments.models import BillingAccount, CheckoutSession, Plan
from payments.services.plans import (
    PlanError,
    PlanFields,
    plan_create,
    plan_send_to_stripe,
    plan_set_active,
    plan_update,
)
from tests.factories import EnrollmentFactory, TrackFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
PLANS = reverse("billing:plans")
NEW = reverse("billing:plan_new")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def track(db):
    return TrackFactory(title="Core twelve")


@pytest.fixture
def monthly(track):
    return Plan.objects.create(
        track=track, slug="core-monthly", kind="installments", installments=3,
        amount=Decimal("1050.00"), stripe_price_id="price_monthly",
    )  # fmt: skip


@pytest.fixture
def stripe_on(settings, fake_stripe):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    return fake_stripe


def fields(track, **changes) -> PlanFields:
    values = {
        "track": track, "slug": "core-full", "kind": "full", "installments": 1,
        "amount": Decimal("3000.00"), "currency": "usd", "is_active": True,
    }  # fmt: skip
    values.update(changes)
    return PlanFields(**values)


def form_data(track, /, **changes) -> dict:
    data = {
        "track": str(track.pk), "slug": "core-full", "kind": "full", "installments": "1",
        "amount": "3000.00", "currency": "usd", "is_active": "on",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def bought(plan: Plan) -> BillingAccount:
    account = BillingAccount.objects.create(
        enrollment=EnrollmentFactory(track=plan.track), plan=plan
    )
    CheckoutSession.objects.create(account=account)
    return account


def terms(plan: Plan) -> tuple:
    plan.refresh_from_db()
    return (plan.track_id, plan.slug, plan.kind, plan.installments, plan.amount, plan.currency)


# --- Services ---------------------------------------------------------------------------------


def test_creating_a_plan_stores_it_tidy_unsent_and_audited(track, billing_user):
    plan = plan_create(
        fields=fields(track, slug=" Core-Full ", currency="USD", amount="3000"),
        acting_user=billing_user,
    )
    assert (plan.slug, plan.currency, plan.amount, plan.stripe_price_id) == (
        "core-full",
        "usd",
        Decimal("3000.00"),
        "",
    )
    event = AuditEvent.objects.get(action="billing.plan_created")
    assert (event.actor, event.target_type, event.target_id) == (
        billing_user,
        "payments.plan",
        str(plan.pk),
    )
    assert event.metadata["amount"] == "3000.00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "100000.01"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": 12.5}, "amount"),  # a float is never exact money
        ({"currency": "eur"}, "currency"),
        ({"currency": "dollars"}, "currency"),
        ({"kind": "full", "installments": 3}, "installments"),
        ({"kind": "installments", "installments": 1}, "installments"),
        ({"kind": "installments", "installments": 37}, "installments"),
        ({"kind": "weekly"}, "kind"),
        ({"slug": "has space"}, "slug"),
        ({"slug": "x" * 65}, "slug"),
        ({"slug": ""}, "slug"),
    ],
)
def test_a_plan_that_cannot_be_sold_is_refused_and_nothing_stored(track, changes, field):
    with pytest.raises(PlanError) as refused:
        plan_create(fields=fields(track, **changes), acting_user=None)
    assert refused.value.field == field
    assert not Plan.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="billing.plan").exists()


def test_a_slug_is_unique_whatever_its_case(track, monthly):
    with pytest.raises(PlanError, match="already has this slug") as refused:
        plan_create(fields=fields(track, slug="CORE-MONTHLY"), acting_user=None)
    assert refused.value.field == "slug"
    assert Plan.objects.count() == 1


def test_changing_the_price_of_a_plan_nobody_chose_clears_its_stripe_price(monthly, admin_user):
    changed = plan_update(
        plan=monthly,
        fields=fields(monthly.track, slug="core-monthly", kind="installments", installments=3,
                      amount="995.00"),
        acting_user=admin_user,
    )  # fmt: skip
    assert (changed.amount, changed.stripe_price_id) == (Decimal("995.00"), "")
    metadata = AuditEvent.objects.get(action="billing.plan_updated").metadata
    assert (metadata["changed"], metadata["price_cleared"]) == ("amount", True)


def test_changing_what_stripe_does_not_price_keeps_the_stripe_price(monthly):
    changed = plan_update(
        plan=monthly,
        fields=fields(monthly.track, slug="core-monthly-3", kind="installments", installments=4,
                      amount="1050.00", is_active=False),
        acting_user=None,
    )  # fmt: skip
    assert (changed.slug, changed.installments, changed.is_active) == ("core-monthly-3", 4, False)
    assert changed.stripe_price_id == "price_monthly"


def test_saving_a_plan_unchanged_writes_and_audits_nothing(monthly):
    plan_update(plan=monthly, fields=PlanFields.of(monthly), acting_user=None)
    assert not AuditEvent.objects.filter(action="billing.plan_updated").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "1.00"},
        {"installments": 6},
        {"kind": "full", "installments": 1},
        {"slug": "renamed"},
    ],
)
@pytest.mark.parametrize("chosen_by", ["account", "checkout"])
def test_the_terms_of_a_plan_someone_chose_are_fixed(monthly, changes, chosen_by):
    account = bought(monthly)
    if chosen_by == "checkout":  # a checkout on the plan, its account since moved elsewhere
        account.plan = Plan.objects.create(
            track=monthly.track, slug="other", kind="full", amount=Decimal("9")
        )
        account.save(update_fields=["plan"])
    before = terms(monthly)
    values = {**PlanFields.of(monthly).__dict__, **changes}
    with pytest.raises(PlanError, match="terms are fixed"):
        plan_update(plan=monthly, fields=PlanFields(**values), acting_user=None)
    assert terms(monthly) == before
    monthly.refresh_from_db()
    assert monthly.stripe_price_id == "price_monthly"


def test_a_plan_someone_chose_can_still_be_taken_off_sale_and_back(monthly, billing_user):
    bought(monthly)
    plan_set_active(plan=monthly, active=False, acting_user=billing_user)
    plan_set_active(plan=monthly, active=False, acting_user=billing_user)  # idempotent
    monthly.refresh_from_db()
    assert monthly.is_active is False
    plan_set_active(plan=monthly, active=True, acting_user=billing_user)
    actions = list(
        AuditEvent.objects.filter(action__startswith="billing.plan_")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["billing.plan_deactivated", "billing.plan_activated"]


def test_sending_a_plan_to_stripe_stores_its_price_and_is_audited(monthly, stripe_on, admin_user):
    monthly.stripe_price_id = ""
    monthly.save()
    price_id = plan_send_to_stripe(plan=monthly, acting_user=admin_user)
    monthly.refresh_from_db()
    assert monthly.stripe_price_id == price_id
    price = stripe_on.prices[price_id]
    assert (price["unit_amount"], price["currency"], price["lookup_key"]) == (
        105000,
        "usd",
        "ehab-core-monthly",
    )
    assert price["recurring"]["interval"] == "month"
    event = AuditEvent.objects.get(action="billing.plan_sent_to_stripe")
    assert event.metadata == {"slug": "core-monthly", "price": price_id}
    # Again: Stripe finds the same price; nothing new is stored or audited.
    assert plan_send_to_stripe(plan=monthly, acting_user=admin_user) == price_id
    assert len(stripe_on.prices) == 1
    assert AuditEvent.objects.filter(action="billing.plan_sent_to_stripe").count() == 1


def test_a_stripe_error_is_a_clear_refusal_and_nothing_is_stored(monthly, stripe_on):
    stripe_on.fail_next(500, path="/v1/prices")
    with pytest.raises(PlanError, match="Stripe did not accept the plan"):
        plan_send_to_stripe(plan=monthly, acting_user=None)
    monthly.refresh_from_db()
    assert monthly.stripe_price_id == "price_monthly"
    assert not AuditEvent.objects.filter(action="billing.plan_sent_to_stripe").exists()


def test_with_stripe_switched_off_nothing_is_sent(monthly, settings):
    settings.STRIPE_ENABLED = False
    with pytest.raises(PlanError, match="Online payments are switched off"):
        plan_send_to_stripe(plan=monthly, acting_user=None)


def test_a_price_for_terms_changed_while_sending_is_not_stored(monthly, stripe_on, monkeypatch):
    real = stripe_client.plan_sync

    def sync_while_someone_edits(**kwargs):
        price_id = real(**kwargs)
        Plan.objects.filter(pk=monthly.pk).update(amount=Decimal("999.00"), stripe_price_id="")
        return price_id

    monkeypatch.setattr(stripe_client, "plan_sync", sync_while_someone_edits)
    with pytest.raises(PlanError, match="changed while it was being sent"):
        plan_send_to_stripe(plan=monthly, acting_user=None)
    monthly.refresh_from_db()
    assert monthly.stripe_price_id == ""


def test_the_sync_command_sends_each_plan_on_sale_through_the_same_service(
    track, monthly, stripe_on
):
    off = Plan.objects.create(track=track, slug="off", kind="full", amount=Decimal("5"))
    plan_set_active(plan=off, active=False, acting_user=None)
    out = StringIO()
    call_command("stripe_sync_plans", stdout=out)
    monthly.refresh_from_db()
    off.refresh_from_db()
    assert out.getvalue() == f"core-monthly: {monthly.stripe_price_id}\n"
    assert monthly.stripe_price_id in stripe_on.prices
    assert off.stripe_price_id == ""
    event = AuditEvent.objects.get(action="billing.plan_sent_to_stripe")
    assert event.actor is None
    stripe_on.fail_next(500, path="/v1/prices")
    with pytest.raises(CommandError, match="Stripe refused core-monthly"):
        call_command("stripe_sync_plans", stdout=StringIO())


# --- The program page -------------------------------------------------------------------------


def test_the_program_page_lists_only_plans_on_sale_with_a_stripe_price(client, track, monthly):
    Plan.objects.create(track=track, slug="core-full", kind="full", amount=Decimal("3000"))
    Plan.objects.create(
        track=track, slug="core-old", kind="full", amount=Decimal("2500"),
        stripe_price_id="price_old", is_active=False,
    )  # fmt: skip
    page = client.get(reverse("join:program")).content.decode()
    assert reverse("join:plan", args=["core-monthly"]) in page
    assert reverse("join:plan", args=["core-full"]) not in page
    assert reverse("join:plan", args=["core-old"]) not in page


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["billing_user", "admin_user"])
def test_the_list_shows_each_plan_its_money_exactly_and_who_is_on_it(
    client, signed_in, monthly, track, who, request
):
    bought(monthly)
    bought(monthly)
    Plan.objects.create(track=track, slug="core-full", kind="full", amount=Decimal("3000"))
    signed_in(request.getfixturevalue(who))
    page = client.get(PLANS).content.decode()
    assert "Core twelve" in page
    assert "1,050.00 USD" in page and "3,150.00 USD" in page  # per payment, total
    assert "3 monthly payments" in page and "Pay in full" in page
    assert "Sent (price_monthly)" in page and "Not sent" in page
    assert "<td>2</td>" in page  # billing accounts on the monthly plan
    assert reverse("billing:plan_edit", args=[monthly.pk]) in page


def test_the_billing_console_links_to_the_plans(client, signed_in, billing_user):
    signed_in(billing_user)
    assert f'href="{PLANS}"' in client.get(reverse("billing:console")).content.decode()


def test_a_new_plan_from_the_console_is_stored_and_audited(
    client, signed_in, billing_user, track, clock
):
    signed_in(billing_user)
    response = client.post(NEW, form_data(track, slug="core-full", amount="2999.99"))
    assert response.status_code == 302 and response["Location"] == PLANS
    plan = Plan.objects.get()
    assert (plan.slug, plan.amount, plan.stripe_price_id) == ("core-full", Decimal("2999.99"), "")
    assert AuditEvent.objects.get(action="billing.plan_created").actor == billing_user


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "0"}, "Enter at least 0.01."),
        ({"amount": "-20"}, "Enter at least 0.01."),
        ({"amount": "12.345"}, "Enter whole cents"),
        ({"amount": "1e9"}, "Enter at most 100,000.00."),
        ({"amount": "99999999999999999999"}, "Enter at most 100,000.00."),
        ({"amount": "abc"}, "Enter an amount like 150.00."),
        ({"amount": ""}, "Enter an amount like 150.00."),
        ({"currency": "eur"}, "Choose a currency the site shows prices in"),
        ({"currency": "$$$$$$$$$$$$"}, "Ensure this value has at most 10 characters"),
        ({"kind": "full", "installments": "3"}, "Pay in full is one payment"),
        ({"kind": "installments", "installments": "1"}, "need from 2 to 36 payments"),
        ({"kind": "installments", "installments": "99999999999"}, "need from 2 to 36 payments"),
        ({"installments": "two"}, "Enter a whole number."),
        ({"kind": "weekly"}, "Select a valid choice"),
        ({"slug": "core monthly"}, "Enter a valid “slug”"),
        ({"slug": "core-monthly"}, "Another plan already has this slug."),
        ({"slug": "CORE-MONTHLY"}, "Another plan already has this slug."),
        ({"track": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_clear_form_error_and_stores_nothing(
    client, signed_in, billing_user, track, monthly, clock, changes, message
):
    signed_in(billing_user)
    response = client.post(NEW, form_data(track, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Constraint" not in page
    assert list(Plan.objects.values_list("slug", flat=True)) == ["core-monthly"]
    assert not AuditEvent.objects.filter(action="billing.plan_created").exists()


def test_editing_a_plan_nobody_chose_changes_it_and_says_to_send_it_again(
    client, signed_in, admin_user, monthly, clock
):
    signed_in(admin_user)
    url = reverse("billing:plan_edit", args=[monthly.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        form_data(monthly.track, slug="core-monthly", kind="installments", installments="3",
                  amount="1000.00"),
        follow=True,
    )  # fmt: skip
    assert "send it to Stripe again" in response.content.decode()
    monthly.refresh_from_db()
    assert (monthly.amount, monthly.stripe_price_id) == (Decimal("1000.00"), "")


def test_the_edit_form_of_a_plan_someone_chose_shows_its_terms_fixed_and_ignores_them(
    client, signed_in, billing_user, monthly, clock
):
    bought(monthly)
    before = terms(monthly)
    signed_in(billing_user)
    url = reverse("billing:plan_edit", args=[monthly.pk])
    page = client.get(url).content.decode()
    assert "its track, slug, price" in page
    assert 'name="amount"' in page and "disabled" in page
    response = client.post(
        url, form_data(TrackFactory(), slug="renamed", amount="1.00", is_active=None)
    )
    assert response.status_code == 302
    assert terms(monthly) == before
    monthly.refresh_from_db()
    assert monthly.is_active is False
    assert monthly.stripe_price_id == "price_monthly"


def test_taking_a_plan_off_sale_and_back_from_the_list(
    client, signed_in, billing_user, monthly, clock
):
    signed_in(billing_user)
    url = reverse("billing:plan_active", args=[monthly.pk])
    assert client.post(url, {"active": "0"})["Location"] == PLANS
    monthly.refresh_from_db()
    assert monthly.is_active is False
    client.post(url, {"active": "1"})
    monthly.refresh_from_db()
    assert monthly.is_active is True


def test_send_to_stripe_from_the_list(client, signed_in, billing_user, monthly, stripe_on, clock):
    Plan.objects.filter(pk=monthly.pk).update(stripe_price_id="")
    signed_in(billing_user)
    response = client.post(reverse("billing:plan_stripe", args=[monthly.pk]), follow=True)
    monthly.refresh_from_db()
    assert monthly.stripe_price_id in stripe_on.prices
    assert f"is at Stripe (price {monthly.stripe_price_id})" in response.content.decode()


def test_a_stripe_refusal_from_the_list_is_a_message_and_changes_nothing(
    client, signed_in, billing_user, monthly, stripe_on, clock
):
    stripe_on.fail_next(500, path="/v1/prices")
    signed_in(billing_user)
    response = client.post(reverse("billing:plan_stripe", args=[monthly.pk]), follow=True)
    assert response.status_code == 200
    assert "was not sent: Stripe did not accept the plan" in response.content.decode()
    monthly.refresh_from_db()
    assert monthly.stripe_price_id == "price_monthly"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("billing:plan_new", None),
        ("billing:plan_edit", {"slug": "core-monthly", "amount": "1.00"}),
        ("billing:plan_active", {"active": "0"}),
        ("billing:plan_stripe", {}),
    ],
)
def test_every_change_asks_for_a_fresh_sign_in_first(
    client, signed_in, billing_user, monthly, clock, name, data
):
    signed_in(billing_user)
    clock.shift(6 * 60)
    url = reverse(name, args=[] if name == "billing:plan_new" else [monthly.pk])
    before = (terms(monthly), monthly.is_active, monthly.stripe_price_id)
    body = form_data(monthly.track, slug="brand-new") if data is None else data
    response = client.post(url, body)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert Plan.objects.count() == 1
    monthly.refresh_from_db()
    assert (terms(monthly), monthly.is_active, monthly.stripe_price_id) == before


@pytest.mark.parametrize("who", ["client_a", "clinician"])
def test_outsiders_get_404_and_a_denied_audit_row_and_nothing_changes(
    client, signed_in, monthly, who, request
):
    signed_in(request.getfixturevalue(who))
    before = audit_denials_counted()
    gets = [PLANS, NEW, reverse("billing:plan_edit", args=[monthly.pk])]
    posts = [
        NEW,
        reverse("billing:plan_edit", args=[monthly.pk]),
        reverse("billing:plan_active", args=[monthly.pk]),
        reverse("billing:plan_stripe", args=[monthly.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, form_data(monthly.track, slug="x")).status_code == 404, url
    assert audit_denials_counted() == before + len(gets) + len(posts)
    monthly.refresh_from_db()
    assert (monthly.is_active, monthly.stripe_price_id, Plan.objects.count()) == (
        True,
        "price_monthly",
        1,
    )


def test_a_plan_that_does_not_exist_is_a_denied_404(client, signed_in, billing_user):
    signed_in(billing_user)
    before = audit_denials_counted()
    assert client.get(reverse("billing:plan_edit", args=[987654])).status_code == 404
    assert audit_denials_counted() == before + 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_and_the_edit_form_are_flat_in_the_number_of_plans(
    client, signed_in, billing_user
):
    signed_in(billing_user)
    counts = []
    for tracks in (1, 6):
        for _ in range(tracks):
            track = TrackFactory()
            for kind, installments in (("full", 1), ("installments", 3)):
                plan = Plan.objects.create(
                    track=track, slug=f"{track.slug}-{kind}", kind=kind,
                    installments=installments, amount=Decimal("10"),
                )  # fmt: skip
                bought(plan)
        edit = reverse("billing:plan_edit", args=[plan.pk])
        counts.append((_queries(client, PLANS), _queries(client, edit)))
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 15, counts


def test_a_plan_from_before_these_rules_can_still_be_taken_off_sale(track):
    old = Plan.objects.create(
        track=track, slug="Legacy_Plan", kind="full", amount=Decimal("250000.00"), currency="cad"
    )
    bought(old)
    changed = plan_update(
        plan=old, fields=PlanFields(**{**PlanFields.of(old).__dict__, "is_active": False}),
        acting_user=None,
    )  # fmt: skip
    assert (changed.slug, changed.amount, changed.currency, changed.is_active) == (
        "Legacy_Plan",
        Decimal("250000.00"),
        "cad",
        False,
    )
