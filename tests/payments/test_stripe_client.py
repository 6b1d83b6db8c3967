"""payments/stripe_client.py against a local fake of Stripe's REST API, through the real SDK and
a real HTTP hop: plans sync by lookup key, Checkout carries only opaque references, what comes
back feeds fulfilment, and refunds, portal sessions and cancellations reach the right paths."""

import contextlib
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import requests
import stripe

from courses.models import EnrollmentStatus, Module
from courses.services.enrollment import enrollment_create
from payments import stripe_client
from payments.models import BillingAccount, BillingState, CheckoutSession, Payment, Plan
from payments.services.checkout import checkout_fulfil
from tests.factories import UserFactory, make_track

from .fake_stripe import FakeStripe, decode_params

KEY = "ehab-intensive-full"
SUCCESS = "https://ehab.example/billing/done?session={CHECKOUT_SESSION_ID}"
CANCEL = "https://ehab.example/billing/cancelled"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def stripe_on(settings):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"


def sync(amount="450.00", *, key=KEY, interval=None) -> str:
    return stripe_client.plan_sync(
        lookup_key=key, amount=Decimal(amount), currency="usd", interval=interval
    )


def stripe_refuses():
    """What stripe_client raises when Stripe answers with an error (the SDK's error, or the
    module's own StripeUnavailable where it wraps them); the fake's record says which."""
    return pytest.raises((stripe.StripeError, stripe_client.StripeUnavailable))


def direct(fake: FakeStripe) -> requests.Session:
    """A plain HTTP session to the fake (for what the SDK would never send)."""
    session = requests.Session()
    session.trust_env = False
    return session


# --- The fake itself ------------------------------------------------------------------------


def test_form_keys_decode_into_nested_dicts_and_lists():
    pairs = [
        ("line_items[0][price]", "price_1"),
        ("line_items[0][quantity]", "1"),
        ("metadata[reference]", "ehab_x"),
        ("lookup_keys[0]", "a"),
        ("lookup_keys[1]", "b"),
        ("expand[]", "data.product"),
        ("recurring[interval]", "month"),
        ("subscription_data[metadata][reference]", "ehab_x"),
    ]
    assert decode_params(pairs) == {
        "line_items": [{"price": "price_1", "quantity": "1"}],
        "metadata": {"reference": "ehab_x"},
        "lookup_keys": ["a", "b"],
        "expand": ["data.product"],
        "recurring": {"interval": "month"},
        "subscription_data": {"metadata": {"reference": "ehab_x"}},
    }


def test_the_fake_wants_a_test_key_and_answers_unknown_paths_like_stripe(fake_stripe):
    http = direct(fake_stripe)
    no_key = http.post(f"{fake_stripe.base_url}/v1/products", data={"name": "x"})
    assert no_key.status_code == 401
    assert "did not provide an API key" in no_key.json()["error"]["message"]
    live = http.get(
        f"{fake_stripe.base_url}/v1/prices", headers={"Authorization": "Bearer sk_live_abcdefgh"}
    )
    assert live.status_code == 401
    unknown = http.post(
        f"{fake_stripe.base_url}/v1/charges",
        headers={"Authorization": "Bearer sk_test_fake"},
        data={"amount": "1"},
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["type"] == "invalid_request_error"
    assert "Unrecognized request URL (POST: /v1/charges)" in unknown.json()["error"]["message"]
    # Every request is on record, and the key never is.
    assert [c.status for c in fake_stripe.calls] == [401, 401, 404]
    assert all("authorization" not in c.headers for c in fake_stripe.calls)
    assert fake_stripe.products == {}


def test_the_fake_refuses_unknown_parameters_and_a_reused_key_with_other_params(fake_stripe):
    with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: colour"):
        stripe.Product.create(name="x", colour="red", api_key="sk_test_fake")
    stripe.Product.create(name="x", idempotency_key="k", api_key="sk_test_fake")
    with pytest.raises(stripe.IdempotencyError):
        stripe.Product.create(name="y", idempotency_key="k", api_key="sk_test_fake")
    assert len(fake_stripe.products) == 1


def test_without_the_fake_nothing_leaves_the_machine():
    assert stripe.api_base == "http://127.0.0.1:9"
    with stripe_refuses():
        sync()


# --- Plans ------------------------------------------------------------------------------------


def test_plan_sync_creates_one_neutral_product_and_one_price_with_the_lookup_key(fake_stripe):
    price_id = sync("450.00")

    (product,) = fake_stripe.products.values()
    assert product["name"] == "E-Hab program"
    assert product["statement_descriptor"] == "E-HAB"
    assert product["metadata"] == {"lookup_key": KEY}
    (price,) = fake_stripe.prices.values()
    assert price["id"] == price_id
    assert (price["product"], price["unit_amount"], price["currency"]) == (
        product["id"],
        45000,
        "usd",
    )
    assert price["lookup_key"] == KEY
    assert price["type"] == "one_time"

    listing, product_call, price_call = fake_stripe.api_calls()
    assert (listing.method, listing.path) == ("GET", "/v1/prices")
    assert listing.params == {"lookup_keys": [KEY], "expand": ["data.product"]}
    assert (product_call.path, product_call.idempotency_key) == ("/v1/products", f"product-{KEY}")
    assert price_call.path == "/v1/prices"
    assert price_call.params["transfer_lookup_key"] == "true"
    assert price_call.idempotency_key == f"price-{KEY}-45000-usd-None-none"


def test_an_installment_plan_gets_a_monthly_price(fake_stripe):
    price_id = sync("150.00", key="ehab-3x", interval="month")
    price = fake_stripe.prices[price_id]
    assert price["recurring"]["interval"] == "month"
    assert price["type"] == "recurring"
    assert price["unit_amount"] == 15000


def test_plan_sync_twice_creates_nothing_more(fake_stripe):
    first = sync("450.00")
    before = len(fake_stripe.api_calls("POST"))
    assert sync("450.00") == first
    assert len(fake_stripe.api_calls("POST")) == before
    assert (len(fake_stripe.products), len(fake_stripe.prices)) == (1, 1)
    # The second run found the price by its lookup key, with its product expanded.
    listing = fake_stripe.api_calls("GET", "/v1/prices")[-1]
    assert listing.response["data"][0]["product"]["object"] == "product"


def test_a_changed_amount_makes_a_new_price_that_takes_the_lookup_key(fake_stripe):
    old = sync("450.00")
    new = sync("480.00")

    assert new != old
    assert len(fake_stripe.products) == 1
    assert fake_stripe.prices[new]["lookup_key"] == KEY
    assert fake_stripe.prices[new]["unit_amount"] == 48000
    assert fake_stripe.prices[new]["product"] == fake_stripe.prices[old]["product"]
    assert fake_stripe.prices[old]["lookup_key"] is None
    assert sync("480.00") == new
    assert len(fake_stripe.prices) == 2


def test_going_back_to_an_earlier_amount_the_same_day_moves_the_lookup_key_back(fake_stripe):
    sync("450.00")
    sync("480.00")
    price_id = sync("450.00")
    holder = fake_stripe.price_with_lookup_key(KEY)
    assert holder["unit_amount"] == 45000
    assert holder["id"] == price_id


# --- Checkout ---------------------------------------------------------------------------------

SENSITIVE_TITLE = "Trauma, addiction and sex: the first week of therapy"


def make_checkout(*, kind="full", amount="450.00", interval=None) -> CheckoutSession:
    """A pending enrollment with its account and local checkout session, on a plan synced to
    the fake. Titles carry exactly the words that must never reach Stripe."""
    client = UserFactory(preferred_name="Rowan Quill", email="rowan.quill@example.org")
    track = make_track(weeks=2, lessons_per_module=1, trauma_weeks=(1,))
    Module.objects.filter(track=track, week=1).update(title=SENSITIVE_TITLE)
    track.program.title = "Intensive outpatient therapy for addiction"
    track.program.save(update_fields=["title"])
    installments = 1 if kind == "full" else 3
    plan = Plan.objects.create(
        track=track, slug=f"plan-{kind}", kind=kind, installments=installments,
        amount=Decimal(amount),
    )  # fmt: skip
    plan.stripe_price_id = sync(amount, key=f"plan-{kind}", interval=interval)
    plan.save(update_fields=["stripe_price_id"])
    enrollment = enrollment_create(
        client=client, track=track, start_date=date(2026, 11, 24), status="pending_payment",
        now=NOW,
    )  # fmt: skip
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    return CheckoutSession.objects.create(account=account)


def start(local: CheckoutSession, **kwargs) -> tuple[str, str]:
    plan = local.account.plan
    return stripe_client.checkout_session_create(
        reference=local.reference,
        price_id=plan.stripe_price_id,
        mode="payment" if plan.kind == "full" else "subscription",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        **kwargs,
    )


def everything_sent(fake: FakeStripe, reference: str) -> str:
    """All recorded requests as one lower-case text, with the opaque reference and Stripe's
    random ids blanked (a random id may spell anything)."""
    text = json.dumps([[c.method, c.path, c.headers, c.params] for c in fake.calls])
    text = text.replace(reference, "<reference>")
    text = re.sub(r"\b(?:cs_test|price|prod|req|cus|pi|sub|bps|re|ch|in|si)_[A-Za-z0-9]+", "<id>",
                  text)  # fmt: skip
    return text.lower()


@pytest.mark.django_db
def test_checkout_sends_only_the_opaque_reference(fake_stripe):
    local = make_checkout()
    session_id, url = start(local)

    assert session_id.startswith("cs_test_")
    assert url == f"{fake_stripe.base_url}/pay/{session_id}"
    (call,) = fake_stripe.api_calls("POST", "/v1/checkout/sessions")
    assert call.idempotency_key == f"checkout-{local.reference}"
    assert call.params["client_reference_id"] == local.reference
    assert call.params["metadata"] == {"reference": local.reference}
    assert call.params["payment_intent_data"] == {"metadata": {"reference": local.reference}}
    assert call.params["line_items"] == [
        {"price": local.account.plan.stripe_price_id, "quantity": "1"}
    ]
    assert "customer_email" not in call.params
    assert "customer" not in call.params
    sent = everything_sent(fake_stripe, local.reference)
    client = local.account.enrollment.client
    for word in (
        "rowan", "quill", client.email, "therapy", "sex", "addiction", "trauma",
        SENSITIVE_TITLE, "outpatient", local.account.enrollment.track.title,
    ):  # fmt: skip
        assert word.lower() not in sent, word
    session = fake_stripe.checkout_sessions[session_id]
    assert (session["status"], session["payment_status"]) == ("open", "unpaid")


@pytest.mark.django_db
def test_an_installment_checkout_puts_the_reference_on_the_subscription(fake_stripe):
    local = make_checkout(kind="installments", amount="150.00", interval="month")
    start(local)
    (call,) = fake_stripe.api_calls("POST", "/v1/checkout/sessions")
    assert call.params["mode"] == "subscription"
    assert call.params["subscription_data"] == {"metadata": {"reference": local.reference}}
    assert "payment_intent_data" not in call.params


@pytest.mark.django_db
def test_an_email_or_a_customer_travels_only_when_given(fake_stripe):
    local = make_checkout()
    start(local, customer_email="given@example.org")
    (call,) = fake_stripe.api_calls("POST", "/v1/checkout/sessions")
    assert call.params["customer_email"] == "given@example.org"
    assert "customer" not in call.params

    customer = stripe.Customer.create(api_key="sk_test_fake")
    again = CheckoutSession.objects.create(account=local.account)
    start(again, customer_id=customer.id, customer_email="ignored@example.org")
    call = fake_stripe.api_calls("POST", "/v1/checkout/sessions")[-1]
    assert call.params["customer"] == customer.id
    assert "customer_email" not in call.params


@pytest.mark.django_db
def test_the_same_reference_twice_gives_the_same_session(fake_stripe):
    local = make_checkout()
    first = start(local)
    second = start(local)
    assert second == first
    assert len(fake_stripe.checkout_sessions) == 1
    calls = fake_stripe.api_calls("POST", "/v1/checkout/sessions")
    assert [c.replayed for c in calls] == [False, True]
    assert {c.idempotency_key for c in calls} == {f"checkout-{local.reference}"}


@pytest.mark.django_db
def test_stripe_refusing_a_checkout_is_reported_as_unavailable(fake_stripe):
    local = make_checkout()
    fake_stripe.fail_next(500, path="/v1/checkout/sessions")
    with stripe_refuses():
        start(local)
    with stripe_refuses():
        stripe_client.checkout_session_create(
            reference=local.reference, price_id="price_missing", mode="payment",
            success_url=SUCCESS, cancel_url=CANCEL,
        )  # fmt: skip
    failed, missing = fake_stripe.api_calls("POST", "/v1/checkout/sessions")
    assert failed.status == 500
    assert (missing.status, missing.response["error"]["param"]) == (404, "line_items[0][price]")
    assert fake_stripe.checkout_sessions == {}


@pytest.mark.django_db
def test_the_hosted_page_pays_and_returns_to_the_success_url(fake_stripe):
    local = make_checkout()
    session_id, url = start(local)
    http = direct(fake_stripe)
    assert http.get(url).status_code == 200
    paid = http.post(url, data={"action": "pay"}, allow_redirects=False)
    assert paid.status_code == 303
    assert paid.headers["Location"] == SUCCESS.replace("{CHECKOUT_SESSION_ID}", session_id)
    assert fake_stripe.checkout_sessions[session_id]["status"] == "complete"


@pytest.mark.django_db
def test_a_retrieved_paid_session_is_plain_data_that_fulfils_a_full_payment(fake_stripe):
    local = make_checkout(amount="450.00")
    session_id, _url = start(local)
    fake_stripe.complete_session(session_id)

    data = stripe_client.checkout_session_retrieve(session_id)

    assert type(data) is dict
    assert json.loads(json.dumps(data)) == data
    assert data["id"] == session_id
    assert data["client_reference_id"] == local.reference
    assert (data["status"], data["payment_status"], data["amount_total"]) == (
        "complete", "paid", 45000,
    )  # fmt: skip
    # One-time payments ask Stripe for a customer and an invoice too (receipts, the portal).
    assert data["customer"].startswith("cus_")
    assert fake_stripe.api_calls("GET", f"/v1/checkout/sessions/{session_id}")

    assert checkout_fulfil(session=data, now=NOW).fulfilled_at is not None
    account = BillingAccount.objects.select_related("enrollment").get()
    assert account.state == BillingState.PAID_IN_FULL
    assert account.enrollment.status == EnrollmentStatus.ACTIVE
    assert account.stripe_customer_id == data["customer"]
    payment = Payment.objects.get()
    assert payment.stripe_payment_intent_id == data["payment_intent"]
    assert payment.amount == Decimal("450.00")
    sent = fake_stripe.api_calls("POST", "/v1/checkout/sessions")[0].params
    assert sent["invoice_creation"] == {"enabled": "true"}
    assert sent["customer_creation"] == "always"


@pytest.mark.django_db
def test_a_retrieved_subscription_session_fulfils_installments(fake_stripe):
    local = make_checkout(kind="installments", amount="150.00", interval="month")
    session_id, _url = start(local)
    fake_stripe.complete_session(session_id)

    data = stripe_client.checkout_session_retrieve(session_id)
    checkout_fulfil(session=data, now=NOW)

    account = BillingAccount.objects.get()
    assert account.state == BillingState.INSTALLMENTS_CURRENT
    assert account.stripe_subscription_id == data["subscription"]
    assert account.stripe_customer_id == data["customer"]
    subscription = fake_stripe.subscriptions[data["subscription"]]
    assert subscription["metadata"] == {"reference": local.reference}


@pytest.mark.django_db
def test_a_retrieved_session_still_unpaid_grants_nothing(fake_stripe):
    local = make_checkout()
    session_id, _url = start(local)
    fake_stripe.complete_session(session_id, paid=False)
    checkout_fulfil(session=stripe_client.checkout_session_retrieve(session_id), now=NOW)
    local.refresh_from_db()
    assert local.fulfilled_at is None
    assert BillingAccount.objects.get().state == BillingState.AWAITING_PAYMENT


# --- After the purchase -----------------------------------------------------------------------


def paid_session(fake: FakeStripe, *, kind="full") -> dict:
    """A completed Checkout Session at the fake, without the database."""
    interval = None if kind == "full" else "month"
    price_id = sync("450.00", key=f"after-{kind}", interval=interval)
    session_id, _url = stripe_client.checkout_session_create(
        reference="ehab_test_reference", price_id=price_id,
        mode="payment" if kind == "full" else "subscription",
        success_url=SUCCESS, cancel_url=CANCEL,
    )  # fmt: skip
    return fake.complete_session(session_id)


def test_subscription_cancel_deletes_the_subscription(fake_stripe):
    sub_id = paid_session(fake_stripe, kind="installments")["subscription"]
    stripe_client.subscription_cancel(sub_id)
    (call,) = fake_stripe.api_calls("DELETE")
    assert call.path == f"/v1/subscriptions/{sub_id}"
    assert call.idempotency_key == f"cancel-{sub_id}"
    assert fake_stripe.subscriptions[sub_id]["status"] == "canceled"


def test_subscription_cancel_sends_nothing_and_says_so_while_stripe_is_off(fake_stripe, settings):
    settings.STRIPE_ENABLED = False
    # Refused rather than quietly "done", so a paid-up subscription stays marked to end.
    with pytest.raises(stripe_client.StripeDisabled):
        stripe_client.subscription_cancel("sub_anything")
    assert fake_stripe.calls == []


def test_cancelling_an_already_cancelled_subscription_is_harmless(fake_stripe):
    sub_id = paid_session(fake_stripe, kind="installments")["subscription"]
    stripe_client.subscription_cancel(sub_id)
    stripe_client.subscription_cancel(sub_id)
    # Stripe ignores idempotency keys on DELETE: the second call really is answered 404.
    first, second = fake_stripe.api_calls("DELETE")
    assert (first.status, second.status) == (200, 404)
    assert second.response["error"]["code"] == "resource_missing"
    assert fake_stripe.subscriptions[sub_id]["status"] == "canceled"


def test_a_cancel_stripe_cannot_do_is_reported(fake_stripe):
    sub_id = paid_session(fake_stripe, kind="installments")["subscription"]
    fake_stripe.fail_next(500, path=f"/v1/subscriptions/{sub_id}")
    with stripe_refuses():
        stripe_client.subscription_cancel(sub_id)
    assert fake_stripe.subscriptions[sub_id]["status"] == "active"


def test_refund_create_sends_minor_units_once_per_key(fake_stripe):
    intent = paid_session(fake_stripe)["payment_intent"]
    refund_id = stripe_client.refund_create(
        payment_intent_id=intent, amount=Decimal("15.00"), currency="usd", key="refund-1"
    )
    again = stripe_client.refund_create(
        payment_intent_id=intent, amount=Decimal("15.00"), currency="usd", key="refund-1"
    )

    assert again == refund_id
    assert list(fake_stripe.refunds) == [refund_id]
    first, second = fake_stripe.api_calls("POST", "/v1/refunds")
    assert first.params == {"payment_intent": intent, "amount": "1500"}
    assert first.idempotency_key == "refund-1"
    assert second.replayed
    assert fake_stripe.refunds[refund_id]["amount"] == 1500
    charge = fake_stripe.charges[fake_stripe.payment_intents[intent]["latest_charge"]]
    assert charge["amount_refunded"] == 1500


def test_a_refund_larger_than_what_is_left_is_refused(fake_stripe):
    intent = paid_session(fake_stripe)["payment_intent"]
    with stripe_refuses():
        stripe_client.refund_create(
            payment_intent_id=intent, amount=Decimal("450.01"), currency="usd", key="too-much"
        )
    (call,) = fake_stripe.api_calls("POST", "/v1/refunds")
    assert call.params["amount"] == "45001"
    assert "greater than unrefunded amount" in call.response["error"]["message"]
    assert fake_stripe.refunds == {}


def test_portal_session_create_returns_the_portal_url(fake_stripe):
    customer = paid_session(fake_stripe, kind="installments")["customer"]
    url = stripe_client.portal_session_create(
        customer_id=customer, return_url="https://ehab.example/billing"
    )
    (call,) = fake_stripe.api_calls("POST", "/v1/billing_portal/sessions")
    assert call.params == {"customer": customer, "return_url": "https://ehab.example/billing"}
    (portal,) = fake_stripe.portal_sessions.values()
    assert url == portal["url"] == f"{fake_stripe.base_url}/portal/{portal['id']}"
    with stripe_refuses():
        stripe_client.portal_session_create(customer_id="cus_nobody", return_url=CANCEL)
    refused = fake_stripe.api_calls("POST", "/v1/billing_portal/sessions")[-1]
    assert (refused.status, refused.response["error"]["code"]) == (404, "resource_missing")


@pytest.mark.django_db(transaction=True)
def test_a_failed_cancel_after_the_last_installment_is_tried_again(fake_stripe, client_a):
    from payments.models import StripeEvent
    from payments.services.webhooks import stripe_event_process

    from .stripe_events import load
    from .test_billing_events import deliver, make_account

    sub_id = paid_session(fake_stripe, kind="installments")["subscription"]
    checkout = make_account(client_a)
    # The story's events, for the subscription the fake holds: checkout pays the first of three.
    completed = load("checkout.session.completed.subscription")
    completed["data"]["object"]["subscription"] = sub_id
    deliver(completed, checkout)
    fake_stripe.fail_next(500, path=f"/v1/subscriptions/{sub_id}")
    invoice = load("invoice.paid.subscription_cycle")
    invoice["data"]["object"]["parent"]["subscription_details"]["subscription"] = sub_id
    for n in range(2):
        event = json.loads(json.dumps(invoice))
        event["data"]["object"]["id"] = f"in_test_{n}"
        # A failure propagates as it would to the worker's task, which retries it.
        with contextlib.suppress(stripe_client.StripeUnavailable, stripe.StripeError):
            deliver(event, checkout, event_id=f"evt_test_{n}")
    assert BillingAccount.objects.get().state == BillingState.PAID_IN_FULL
    for row in StripeEvent.objects.exclude(status=StripeEvent.Status.PROCESSED):
        stripe_event_process(event_row_id=row.pk, now=NOW)  # the event's own retry
    assert BillingAccount.objects.get().subscription_end_pending is True
    from payments.services.subscriptions import subscriptions_end_pending

    assert subscriptions_end_pending() == 1  # beat's retry
    assert fake_stripe.subscriptions[sub_id]["status"] == "canceled"
    assert BillingAccount.objects.get().subscription_end_pending is False
