"""Two journeys through a real browser: a client signing up, a clinician setting up MFA."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import Role
from audit.models import Action, AuditEvent
from tests.factories import PASSWORD, CareAssignmentFactory, UserFactory
from tests.notifications.outbox import deliver_account_mail

from .helpers import assert_accessible, denylisted_words, fresh_totp_code, label, path_is

pytestmark = pytest.mark.browser

NEW_CLIENT_EMAIL = "sam.rivers@example.org"
NEW_CLIENT_PASSWORD = "lantern-harbour-morning-7"
CONFIRM_LINK_RE = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")


def sign_in(page, email: str, password: str) -> None:
    page.goto(reverse("account_login"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("sign in", re.I))
    assert_accessible(page)
    page.get_by_label(label("Email")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_a_new_client_signs_up_confirms_email_and_lands_on_home(page, page_problems):
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("sign up", re.I))
    assert_accessible(page)

    page.get_by_label(label("Email")).fill(NEW_CLIENT_EMAIL)
    page.get_by_label(label("Password")).fill(NEW_CLIENT_PASSWORD)
    page.get_by_label(label("Password (again)")).fill(NEW_CLIENT_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(path_is(reverse("account_email_verification_sent")))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("verify your email", re.I))
    assert_accessible(page)

    # L-1: the message says nothing about what the service is, in any part a bystander may see.
    deliver_account_mail()  # the worker sends account emails
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    message = mail.outbox[0]
    assert message.to == [NEW_CLIENT_EMAIL]
    parts = {"subject": message.subject, "sender": message.from_email, "body": message.body}
    for number, (content, _mimetype) in enumerate(getattr(message, "alternatives", [])):
        parts[f"alternative {number}"] = str(content)
    for part, text in parts.items():
        assert not denylisted_words(text), f"email {part} is not discreet: {text!r}"
    links = CONFIRM_LINK_RE.findall(message.body)
    assert len(links) == 1, message.body

    page.goto(links[0])
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("confirm", re.I))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    # Confirming in the browser that signed up signs in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION):
    # on to the client's home.
    expect(page).to_have_url(path_is("/me/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    assert_accessible(page)
    assert page_problems == []


def test_a_clinician_must_set_up_mfa_before_reaching_the_caseload(page, page_problems):
    clinician = UserFactory(role=Role.CLINICIAN)
    client = UserFactory(role=Role.CLIENT, preferred_name="Robin Client")
    CareAssignmentFactory(clinician=clinician, client=client)
    activate_url = reverse("mfa_activate_totp")
    caseload_url = reverse("care:caseload")

    sign_in(page, clinician.email, PASSWORD)
    expect(
        page, "a clinician who has just signed in goes straight to authenticator setup"
    ).to_have_url(path_is(activate_url))

    # No way round it: the caseload itself sends them back to set up a second factor.
    page.goto(caseload_url)
    expect(page).to_have_url(path_is(activate_url))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("activate authenticator", re.I)
    )
    assert_accessible(page)

    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret), secret
    page.get_by_label(label("Authenticator code")).fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page).to_have_url(path_is(reverse("mfa_view_recovery_codes")))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("recovery codes", re.I))
    assert_accessible(page)

    page.goto(caseload_url)
    expect(page).to_have_url(path_is(caseload_url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    expect(page.get_by_role("link", name="Robin Client")).to_be_visible()
    assert_accessible(page)

    assert AuditEvent.objects.filter(action=Action.MFA_ADDED, subject=clinician).exists()
    assert page_problems == []
