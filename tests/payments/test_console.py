"""The billing console: states, the past-due queue, refunds, hardship actions; reauthentication,
audit, and no clinical content anywhere."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from courses.models import LessonKind, WorksheetResponse
from courses.services.enrollment import enrollment_create
from payments.models import BillingAccount, BillingStaffAction, BillingState, Payment, Plan
from tests.factories import make_track

CANARY = "CANARY-journal-91ab"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture
def account(db, client_a):
    track = make_track(weeks=2, lessons_per_module=3, trauma_weeks=())
    plan = Plan.objects.create(
        track=track, slug="c-monthly", kind="installments", installments=3, amount=Decimal("10")
    )
    enrollment = enrollment_create(
        client=client_a,
        track=track,
        start_date=date(2026, 11, 2),
        now=datetime(2026, 11, 2, 12, tzinfo=UTC),
    )
    account = BillingAccount.objects.create(
        enrollment=enrollment, plan=plan, state=BillingState.PAST_DUE,
        stripe_subscription_id="sub_x",
    )  # fmt: skip
    Payment.objects.create(
        account=account, stripe_payment_intent_id="pi_x", amount=Decimal("10.00")
    )
    lesson = track.modules.get(week=1).lessons.get(kind=LessonKind.WORKSHEET)
    WorksheetResponse.objects.create(
        enrollment=enrollment, lesson=lesson, answers={"one-word": CANARY}
    )
    return account


def test_the_console_shows_states_and_the_past_due_queue_without_clinical_content(
    client, account, billing_user, signed_in
):
    signed_in(billing_user)
    body = client.get(reverse("billing:console")).content.decode()
    assert account.enrollment.client.email in body
    assert "Past due" in body
    detail = client.get(reverse("billing:account", args=[account.pk])).content.decode()
    for text in (body, detail):
        assert CANARY not in text
        for module in account.enrollment.track.modules.all():
            assert module.title not in text


def test_waiving_an_installment_brings_a_past_due_account_back_and_is_audited(
    client, account, billing_user, signed_in
):
    signed_in(billing_user)
    response = client.post(
        reverse("billing:account_action", args=[account.pk, "waive"]),
        {"reason": "hardship", "note": "agreed on the phone"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.paid_installments == 1
    assert account.state == BillingState.INSTALLMENTS_CURRENT
    assert AuditEvent.objects.get(action="billing.installment_waived").actor == billing_user


@pytest.mark.parametrize(
    ("bad", "message"),
    [("abc", "Enter an amount like 150.00."), ("", "Enter an amount like 150.00."),
     ("-5", "Enter at least 0.01."), ("0", "Enter at least 0.01."),
     ("1e9", "Enter at most 100,000.00."), ("NaN", "Enter an amount like 150.00."),
     ("0.001", "Enter whole cents: at most two decimal places"),
     ("10.005", "Enter whole cents: at most two decimal places")],
)  # fmt: skip
def test_an_offline_payment_with_a_bad_amount_is_refused_and_stores_nothing(
    client, account, billing_user, signed_in, bad, message
):
    signed_in(billing_user)
    url = reverse("billing:account_action", args=[account.pk, "offline"])
    response = client.post(url, {"amount": bad, "reason": "check"})
    assert response.status_code == 200  # the form again, with what to type instead
    assert message in response.content.decode()
    assert Payment.objects.count() == 1
    account.refresh_from_db()
    assert (account.paid_installments, account.state) == (0, BillingState.PAST_DUE)
    assert not AuditEvent.objects.filter(action="billing.offline_payment").exists()


def test_an_offline_payment_is_stored_to_the_cent_and_audited_with_the_stored_amount(
    client, account, billing_user, signed_in
):
    signed_in(billing_user)
    url = reverse("billing:account_action", args=[account.pk, "offline"])
    response = client.post(url, {"amount": "10", "reason": "check", "note": "#1234"}, follow=True)
    assert "Payment of 10.00 USD recorded. It counts as 1 installment." in response.content.decode()
    payment = Payment.objects.latest("pk")
    assert payment.amount == Decimal("10.00")
    audit = AuditEvent.objects.get(action="billing.offline_payment")
    assert (audit.metadata["amount"], audit.metadata["installments"]) == ("10.00", 1)
    account.refresh_from_db()
    assert (account.paid_installments, account.state) == (1, BillingState.INSTALLMENTS_CURRENT)


def test_an_offline_payment_smaller_than_an_installment_counts_none(
    client, account, billing_user, signed_in
):
    signed_in(billing_user)
    url = reverse("billing:account_action", args=[account.pk, "offline"])
    response = client.post(url, {"amount": "9.99", "reason": "check", "note": "part"}, follow=True)
    assert "less than one installment, so none was counted" in response.content.decode()
    account.refresh_from_db()
    assert (account.paid_installments, account.state) == (0, BillingState.PAST_DUE)
    assert Payment.objects.latest("pk").amount == Decimal("9.99")


def test_the_services_refuse_a_fraction_of_a_cent_too(account, billing_user):
    from payments.services.staff import (
        BillingActionError,
        billing_record_offline_payment,
        billing_refund,
    )

    for amount in ("0.001", Decimal("0.005"), "1e9", "-1"):
        with pytest.raises(BillingActionError):
            billing_record_offline_payment(
                account=account, amount=amount, reason="check", acting_user=billing_user,
                now=NOW,
            )  # fmt: skip
        with pytest.raises(BillingActionError):
            billing_refund(
                payment=Payment.objects.get(), amount=amount, reason="goodwill", key="k",
                acting_user=billing_user, now=NOW,
            )  # fmt: skip
    assert Payment.objects.count() == 1
    account.refresh_from_db()
    assert account.paid_installments == 0


def test_a_refund_of_a_fraction_of_a_cent_is_refused_before_stripe(
    client, account, billing_user, signed_in, fake_stripe, settings
):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    signed_in(billing_user)
    payment = Payment.objects.get()
    response = client.post(
        reverse("billing:account_action", args=[account.pk, "refund"]),
        {"payment": payment.pk, "amount": "4.001", "reason": "goodwill", "form_key": "k1"},
    )
    assert "Enter whole cents" in response.content.decode()
    assert fake_stripe.api_calls() == []
    assert not AuditEvent.objects.filter(action="billing.refund_requested").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Choose a reason."), ({"reason": "bad\x00"}, "Choose a reason from the list."),
     ({"reason": "check"}, "Choose a reason from the list."),  # an offline payment's reason
     ({"reason": "other"}, "Say what the reason is."),
     ({"reason": "hardship", "note": "x" * 201}, "Keep the note to 200 characters."),
     ({"reason": "hardship", "note": "a\x00b"}, "a character that cannot be stored")],
)  # fmt: skip
def test_an_action_needs_a_reason_from_its_list(
    client, account, billing_user, signed_in, data, message
):
    signed_in(billing_user)
    response = client.post(reverse("billing:account_action", args=[account.pk, "waive"]), data)
    assert message in response.content.decode()
    account.refresh_from_db()
    assert account.paid_installments == 0
    assert not BillingStaffAction.objects.exists()


def test_a_refund_goes_to_stripe_once_per_form_and_is_audited(
    client, account, billing_user, signed_in, fake_stripe, settings
):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    intent = fake_stripe._new_payment_intent(
        amount=1000, currency="usd", customer=None, metadata={}, succeeded=True
    )
    signed_in(billing_user)
    payment = Payment.objects.get()
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=intent["id"])
    url = reverse("billing:account_action", args=[account.pk, "refund"])
    data = {"payment": payment.pk, "amount": "4.00", "reason": "goodwill", "form_key": "k1"}
    client.post(url, data)
    client.post(url, data)  # a double click: the same form key
    refunds = fake_stripe.api_calls("POST", "/v1/refunds")
    assert len(refunds) == 2 and refunds[1].replayed
    assert refunds[0].params["amount"] == "400"
    assert AuditEvent.objects.filter(action="billing.refund_requested").count() == 2


def test_a_refund_beyond_what_is_left_is_refused(client, account, billing_user, signed_in):
    signed_in(billing_user)
    payment = Payment.objects.get()
    response = client.post(
        reverse("billing:account_action", args=[account.pk, "refund"]),
        {"payment": payment.pk, "amount": "11.00", "reason": "goodwill", "form_key": "k"},
        follow=True,
    )
    assert "Refund between 0.01 and 10.00 USD" in response.content.decode()


def test_sensitive_actions_need_a_recent_sign_in(client, account, billing_user, signed_in):
    with time_machine.travel("2026-11-28 12:00:00Z", tick=False) as clock:
        signed_in(billing_user)
        clock.shift(6 * 60)
        response = client.post(
            reverse("billing:account_action", args=[account.pk, "waive"]),
            {"reason": "hardship"},
        )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    account.refresh_from_db()
    assert account.paid_installments == 0


@pytest.mark.html
def test_the_account_page_and_its_refused_forms_are_valid_html(
    client, account, billing_user, signed_in, html_checker
):
    signed_in(billing_user)
    pages = [("account", client.get(reverse("billing:account", args=[account.pk])))]
    for action, data in [
        ("offline", {"amount": "0.001", "reason": ""}),
        ("refund", {"payment": "0", "amount": "x", "reason": "goodwill", "form_key": "k"}),
        ("waive", {"reason": "x" * 201}),
    ]:
        response = client.post(reverse("billing:account_action", args=[account.pk, action]), data)
        assert b'class="errorlist' in response.content
        pages.append((action, response))
    problems = [
        problem
        for name, response in pages
        for problem in html_checker.check(response.content, url=name)
    ]
    assert not problems, problems


NOTE = "Her partner lost his job; agreed on the phone (CANARY-note-7f3e)"


@pytest.mark.parametrize(
    ("action", "data", "audited"),
    [("waive", {"reason": "hardship"}, "billing.installment_waived"),
     ("offline", {"reason": "other", "amount": "10.00"}, "billing.offline_payment"),
     ("refund", {"reason": "goodwill", "amount": "4.00", "form_key": "k1"},
      "billing.refund_requested")],
)  # fmt: skip
def test_the_audit_row_has_the_reason_code_and_the_note_stays_on_the_billing_record(
    client, account, billing_user, signed_in, fake_stripe, settings, action, data, audited
):
    settings.STRIPE_ENABLED = True
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    intent = fake_stripe._new_payment_intent(
        amount=1000, currency="usd", customer=None, metadata={}, succeeded=True
    )
    payment = Payment.objects.get()
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=intent["id"])
    signed_in(billing_user)
    response = client.post(
        reverse("billing:account_action", args=[account.pk, action]),
        {**data, "note": NOTE, "payment": payment.pk},
    )
    assert response.status_code == 302
    record = BillingStaffAction.objects.get()
    assert (record.kind, record.reason, record.note, record.actor) == (
        action, data["reason"], NOTE, billing_user,
    )  # fmt: skip
    audit = AuditEvent.objects.get(action=audited)
    assert (audit.metadata["reason"], audit.metadata["record"]) == (data["reason"], record.pk)
    for row in AuditEvent.objects.all():
        assert "CANARY-note" not in json.dumps(row.metadata)
        assert "partner" not in json.dumps(row.metadata)
    # Billing staff read the note on the account's page.
    detail = client.get(reverse("billing:account", args=[account.pk])).content.decode()
    assert "CANARY-note-7f3e" in detail
