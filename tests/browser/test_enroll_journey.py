"""Enrolling in a real browser, against a local fake of Stripe's REST API and hosted Checkout.

A new person opens the program page, chooses the core intensive's pay-in-full plan, signs up,
confirms their email (which signs them in and brings them back to the plan), reads and accepts
the three agreements, pays on the (fake) hosted Checkout
page and is welcomed, then lands on their home with week 1 open. The other journey leaves
Checkout with "Back" and comes home to the plans with nothing charged.

The fake (tests/payments/fake_stripe.py) is a real HTTP server reached by the real `stripe` SDK;
the browser visits its hosted /pay/<session id> page, whose "Pay" completes the session and
303-redirects to our success URL, and whose "Back" redirects to our cancel URL. No webhook is
sent: the success page asks Stripe for the session and runs the shared fulfilment itself.
"""

import io
import json
import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import AgreementAcceptance, User
from courses.models import Enrollment, EnrollmentStatus, Module, Track
from notifications.models import Kind, Notification
from payments.agreements import AGREEMENT_VERSION
from payments.forms import AgreementsForm
from payments.models import BillingAccount, BillingState, CheckoutSession, Payment, Plan
from tests.notifications.outbox import deliver_account_mail
from tests.payments.conftest import fake_stripe  # noqa: F401 - the fixture, shared by import

from .helpers import assert_accessible, label, path_is

pytestmark = pytest.mark.browser

TRACK = "core-12"
PLAN = "core-12-full"
PASSWORD = "quiet-harbour-lantern-42"
CONFIRM_LINK_RE = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")
# L-5: words that would tell Stripe (and a card statement) what the service is about. Matched as
# word starts, after the opaque ids have been taken out of what was sent.
REVEALING = (
    "therap",
    "sex",
    "addict",
    "trauma",
    "porn",
    "compuls",
    "recover",
    "treatment",
    "shame",
)
NOTHING_CHARGED = "Nothing was charged"
# Where Stripe's hosted Checkout lives; the fake stands in for it.
STRIPE_CHECKOUT = "https://checkout.stripe.com"


def midday_zone() -> str:
    """A fixed-offset zone where it is now about noon on today's UTC date.

    A new enrollment's week 1 opens at the track's release time (06:00) on its start date in the
    person's own time zone, and the start date is taken from the server's clock (UTC). With the
    default America/New_York the home would show week 1 only for part of each UTC day (see the
    report on `enrollment_place`), so the new person lives where it is midday: the journey is
    the same at any hour the suite runs."""
    offset = 12 - datetime.now(UTC).hour  # -11..+12; the local date stays the UTC date
    # POSIX-style names: Etc/GMT-5 is five hours *ahead* of UTC.
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture
def stripe_ready(settings, fake_stripe):  # noqa: F811 - the imported fixture
    """Stripe on (test keys, pointed at the fake), the curriculum and plans loaded, and the
    plans' prices made at the fake by the same command an operator runs."""
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.EHAB_DEFAULT_TIMEZONE = midday_zone()
    call_command("seed_demo", stdout=io.StringIO())
    call_command("stripe_sync_plans", stdout=io.StringIO())
    plan = Plan.objects.get(slug=PLAN)
    assert plan.stripe_price_id.startswith("price_"), plan.stripe_price_id
    assert fake_stripe.prices[plan.stripe_price_id]["unit_amount"] == 300000
    return fake_stripe


def form_action_sources(policy: str) -> list[str]:
    """The sources of a CSP header's form-action directive ([] when it has none)."""
    for directive in policy.split(";"):
        name, *sources = directive.split() or [""]
        if name.lower() == "form-action":
            return sources
    return []


def allows_stripe_checkout(sources: list[str]) -> bool:
    """Whether a form-action source list lets a form's redirect reach Stripe Checkout."""
    allowed = {STRIPE_CHECKOUT, "https://*.stripe.com", "https:", "*"}
    return any(source.rstrip("/") in allowed for source in sources)


def stand_the_fake_in_for_checkout(page, fake) -> list[str]:
    """The plan page's form posts to us, and we redirect to Stripe's hosted Checkout: Chromium
    holds that redirect to the page's CSP form-action, so the page must allow Checkout. Where it
    does, the fake's origin is allowed too (it stands where checkout.stripe.com stands); where it
    does not, the policy is left as it is and the browser blocks the redirect, as it would for
    a real visitor. Returns the form-action source lists the plan page was served with."""
    seen: list[str] = []

    def handle(route):
        if route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        policy = headers.get("content-security-policy", "")
        sources = form_action_sources(policy)
        seen.append(" ".join(sources))
        if allows_stripe_checkout(sources):
            headers["content-security-policy"] = re.sub(
                r"(^|;)(\s*form-action)", rf"\1\2 {fake.base_url}", policy
            )
        route.fulfill(response=response, headers=headers)

    page.route(re.compile(r"/join/plans/"), handle)
    return seen


def choose_the_plan_and_sign_up(page, email: str) -> User:
    """/join/ → "Choose" (pay in full, core) → sign in asked → sign up → confirm the email →
    signed in, straight back on the plan page. Returns the new person."""
    track = Track.objects.get(slug=TRACK)
    plan = Plan.objects.get(slug=PLAN)

    page.goto(reverse("join:program"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Begin the intensive")
    assert_accessible(page)
    section = page.locator("section").filter(
        has=page.get_by_role("heading", level=2, name=track.title, exact=True)
    )
    full = section.get_by_role("listitem").filter(has_text=f"Pay in full: ${plan.amount:.2f}")
    full.get_by_role("link", name="Choose").click()

    # Choosing needs an account: the sign-in page, which offers to sign up.
    expect(page).to_have_url(path_is(reverse("account_login")))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("sign in", re.I))
    page.get_by_role("link", name="sign up").click()
    expect(page).to_have_url(path_is(reverse("account_signup")))
    page.get_by_label(label("Email")).fill(email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password (again)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(path_is(reverse("account_email_verification_sent")))

    deliver_account_mail()  # the worker sends account emails
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    links = CONFIRM_LINK_RE.findall(mail.outbox[0].body)
    assert len(links) == 1, mail.outbox[0].body
    page.goto(links[0])
    page.get_by_role("button", name="Confirm").click()

    # Confirming, in the browser that signed up, signs the person in and brings them back to
    # the plan they chose before signing up.
    expect(page).to_have_url(path_is(reverse("join:plan", args=[PLAN])))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # Playwright does not route a request reached by a redirect, so load the page once more
    # through the route that lets the fake stand in for Checkout in its CSP.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(track.title)
    expect(page.get_by_text(f"One payment of ${plan.amount:.2f}.")).to_be_visible()
    return User.objects.get(email__iexact=email)


def accept_the_agreements_and_go_to_checkout(page, fake, form_actions) -> CheckoutSession:
    """Tick the three agreements, continue, and land on the fake's hosted Checkout page."""
    for field in AgreementsForm.base_fields.values():
        page.get_by_label(label(str(field.label))).check()
    assert_accessible(page)
    assert form_actions and allows_stripe_checkout(form_actions[-1].split()), (
        f"the plan page's CSP form-action ({form_actions[-1:]}) does not allow "
        f"{STRIPE_CHECKOUT}: Chromium blocks the redirect to Checkout after the form is sent"
    )
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(re.compile(r"^" + re.escape(fake.base_url) + r"/pay/cs_test_\w+$"))
    expect(page).to_have_title("Fake Stripe Checkout")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay 300000 usd")
    # The one that reached Stripe (a start Stripe refused leaves one that never did).
    reached = CheckoutSession.objects.filter(stripe_session_id__isnull=False)
    return reached.select_related("account__enrollment").get()


def sent_to_stripe(fake) -> str:
    """Everything our side put on the wire to Stripe (paths, parameters, idempotency keys), with
    the opaque ids (ours and Stripe's) replaced, so only words are left to read."""
    parts = []
    for call in fake.api_calls():
        parts.append(f"{call.method} {call.path}")
        parts.append(json.dumps(call.params))
        parts.append(call.idempotency_key or "")
    text = "\n".join(parts)
    opaque = set(CheckoutSession.objects.values_list("reference", flat=True))
    for store in (
        fake.products,
        fake.prices,
        fake.customers,
        fake.checkout_sessions,
        fake.payment_intents,
        fake.charges,
        fake.subscriptions,
    ):
        opaque.update(store)
    for value in sorted(opaque, key=len, reverse=True):
        text = text.replace(value, "<id>")
    return text


def test_a_new_person_enrolls_and_pays_and_lands_on_their_home(page, page_problems, stripe_ready):
    fake = stripe_ready
    email = "jordan.whitfield@example.org"
    form_actions = stand_the_fake_in_for_checkout(page, fake)
    person = choose_the_plan_and_sign_up(page, email)
    session = accept_the_agreements_and_go_to_checkout(page, fake, form_actions)
    enrollment = session.account.enrollment
    assert enrollment.client_id == person.pk
    assert enrollment.status == EnrollmentStatus.PENDING_PAYMENT

    # Pay on the hosted page: back to our success page, which confirms with Stripe and welcomes.
    page.get_by_role("button", name="Pay").click()
    done_url = reverse("join:done", args=[session.reference])
    expect(page).to_have_url(path_is(done_url))
    welcome = page.locator("#checkout-status").get_by_role("heading", level=1)
    # It may say "Confirming your payment…" first; htmx swaps in the welcome once fulfilled.
    expect(welcome).to_have_text("Welcome", timeout=10_000)
    expect(page.get_by_text("You're enrolled.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Go to your home").click()
    expect(page).to_have_url(path_is(reverse("courses:dashboard")))
    week_one = Module.objects.get(track__slug=TRACK, week=1, retired_at__isnull=True)
    this_week = page.locator(".card").filter(has_text="This week")
    expect(this_week.get_by_text(re.compile(r"^This week"))).to_have_text("This week · Week 1")
    expect(this_week.get_by_role("heading", level=2)).to_have_text(week_one.title)
    assert_accessible(page)

    # What was granted and recorded.
    enrollments = Enrollment.objects.filter(client=person)
    assert [e.status for e in enrollments] == [EnrollmentStatus.ACTIVE]
    accounts = BillingAccount.objects.filter(enrollment__client=person)
    assert [a.state for a in accounts] == [BillingState.PAID_IN_FULL]
    payments = Payment.objects.filter(account__enrollment__client=person)
    assert len(payments) == 1
    assert payments[0].amount == Plan.objects.get(slug=PLAN).amount
    assert sorted(
        AgreementAcceptance.objects.filter(user=person).values_list("document", flat=True)
    ) == sorted(AgreementAcceptance.Document.values)
    assert Notification.objects.filter(user=person, kind=Kind.WELCOME).count() == 1
    session.refresh_from_db()
    assert session.status == CheckoutSession.Status.COMPLETE
    assert session.fulfilled_at is not None

    # L-5: Stripe saw opaque references and a neutral product, nothing about the person or care.
    created = fake.api_calls("POST", "/v1/checkout/sessions")
    assert len(created) == 1
    assert created[0].params["client_reference_id"] == session.reference
    assert fake.checkout_sessions[session.stripe_session_id]["client_reference_id"] == (
        session.reference
    )
    wire = sent_to_stripe(fake).lower()
    local_part = email.split("@")[0]
    personal = {email, local_part, *re.split(r"[._+-]", local_part)}
    if person.preferred_name:
        personal.add(person.preferred_name)
    for value in personal:
        assert value.lower() not in wire, f"sent to Stripe: {value!r}"
    revealing = sorted(
        {m.group(0) for m in re.finditer(r"\b(" + "|".join(REVEALING) + r")\w*", wire)}
    )
    assert revealing == [], f"sent to Stripe: {revealing}"
    titles = [*Module.objects.values_list("title", flat=True)]
    titles += Track.objects.values_list("title", flat=True)
    leaked = sorted(title for title in titles if title.lower() in wire)
    assert leaked == [], f"sent to Stripe: {leaked}"

    assert page_problems == []


def test_cancel_returns_to_the_plans_with_nothing_charged(page, page_problems, stripe_ready):
    fake = stripe_ready
    form_actions = stand_the_fake_in_for_checkout(page, fake)
    person = choose_the_plan_and_sign_up(page, "casey.morrow@example.org")
    session = accept_the_agreements_and_go_to_checkout(page, fake, form_actions)

    # "Back" on the hosted page: Stripe sends the person to our cancel URL.
    page.get_by_role("button", name="Back").click()
    expect(page).to_have_url(path_is(reverse("join:program")))
    expect(page.get_by_role("status")).to_contain_text(NOTHING_CHARGED)
    expect(page.get_by_role("heading", level=1)).to_have_text("Begin the intensive")
    assert_accessible(page)

    enrollment = Enrollment.objects.get(client=person)
    assert enrollment.status == EnrollmentStatus.CANCELLED
    session.refresh_from_db()
    assert session.status == CheckoutSession.Status.EXPIRED
    assert session.fulfilled_at is None
    assert BillingAccount.objects.get(enrollment=enrollment).state == (
        BillingState.AWAITING_PAYMENT
    )
    assert not Payment.objects.filter(account__enrollment__client=person).exists()
    assert not Notification.objects.filter(user=person, kind=Kind.WELCOME).exists()
    # Nothing was charged at Stripe either: no payment was made for the session.
    stripe_session = fake.checkout_sessions[session.stripe_session_id]
    assert stripe_session["payment_status"] == "unpaid"
    assert fake.payment_intents == {}

    assert page_problems == []


def test_confirming_the_email_signs_in_on_the_chosen_plan_and_the_agreements_can_be_read(
    page, page_problems, stripe_ready
):
    person = choose_the_plan_and_sign_up(page, "morgan.ellery@example.org")
    assert person.emailaddress_set.get().verified
    expect(page.get_by_role("button", name="Continue to payment")).to_be_visible()
    assert_accessible(page)

    # Each agreement's document opens from the form in a new tab, by keyboard, and the form keeps
    # what was ticked.
    boxes = [
        page.get_by_label(label(str(field.label))) for field in AgreementsForm.base_fields.values()
    ]
    boxes[0].check()
    documents = {
        "telehealth consent": "Consent to care through telehealth",
        "privacy notice": "How E-Hab keeps your information private",
        "crisis disclaimer": "E-Hab is not an emergency service",
    }
    for box, (name, heading) in zip(boxes, documents.items(), strict=True):
        box.focus()
        page.keyboard.press("Tab")
        link = page.get_by_role("link", name=f"Read the {name} (opens in a new tab)")
        expect(link).to_be_focused()
        with page.context.expect_page() as opened:
            page.keyboard.press("Enter")
        document = opened.value
        document.wait_for_load_state()
        expect(document.get_by_role("heading", level=1)).to_have_text(heading)
        expect(document.get_by_text(f"Version {AGREEMENT_VERSION}", exact=True)).to_be_visible()
        assert_accessible(document)
        document.close()
    expect(boxes[0]).to_be_checked()
    assert Enrollment.objects.filter(client=person).count() == 0  # nothing started yet

    assert page_problems == []


def test_a_payment_that_could_not_start_leaves_the_way_back_and_no_schedule(
    page, page_problems, stripe_ready
):
    fake = stripe_ready
    form_actions = stand_the_fake_in_for_checkout(page, fake)
    person = choose_the_plan_and_sign_up(page, "riley.dawson@example.org")

    # Stripe refuses when the checkout is started: the person never reaches Checkout.
    fake.fail_next(path="/v1/checkout/sessions")
    for field in AgreementsForm.base_fields.values():
        page.get_by_label(label(str(field.label))).check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(path_is(reverse("join:plan", args=[PLAN])))
    expect(page.get_by_role("status")).to_contain_text("couldn't reach the payment service")
    [enrollment] = Enrollment.objects.filter(client=person)
    assert enrollment.status == EnrollmentStatus.PENDING_PAYMENT

    # Home, the program map and billing: no schedule and no paid plan, the way back on each.
    for name in ("Home", "Your program"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", name="You haven't finished enrolling")).to_be_visible()
        expect(page.get_by_role("link", name="Continue enrolling")).to_be_visible()
        expect(page.get_by_text(re.compile(r"opens (on|soon)|Week 1"))).to_have_count(0)
        assert_accessible(page)
    page.goto(reverse("my_billing:account"))
    expect(page.get_by_role("heading", name="You haven't finished enrolling")).to_be_visible()
    expect(page.get_by_text("Nothing has been charged.", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile("Paid in one payment|Awaiting payment"))).to_have_count(0)
    assert_accessible(page)

    # The way back: the plan chosen, where paying works this time.
    page.get_by_role("link", name="Continue enrolling").click()
    expect(page).to_have_url(path_is(reverse("join:plan", args=[PLAN])))
    page.reload()  # through the route that lets the fake stand in for Checkout
    session = accept_the_agreements_and_go_to_checkout(page, fake, form_actions)
    assert session.account.enrollment.pk == enrollment.pk
    page.get_by_role("button", name="Pay").click()
    expect(page.locator("#checkout-status").get_by_role("heading", level=1)).to_have_text(
        "Welcome", timeout=10_000
    )
    page.get_by_role("link", name="Go to your home").click()
    expect(page.get_by_text("This week · Week 1")).to_be_visible()
    expect(page.get_by_role("heading", name="You haven't finished enrolling")).to_have_count(0)

    assert page_problems == []
