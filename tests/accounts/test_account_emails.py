"""Every email allauth can send about an account (sign-up confirmation, email confirmation,
password reset, notices of changes, the MFA notices) is ours: calm, plain wording, no "Hello from
127.0.0.1:8101!", and as discreet as the notifications (the same denylist and link checks as
tests/notifications/test_templates.py), from the same neutral sender."""

import re
from pathlib import Path

import allauth
import pytest
from django.core import mail
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from tests.factories import UserFactory
from tests.notifications.outbox import deliver_outbox
from tests.notifications.test_templates import (
    DENY_RE,
    SUBJECT_MAX,
    URL_RE,
    find_problems,
    strict_templates,  # noqa: F401 - autouse: unknown variables render a loud marker
)

ROOT = Path(__file__).resolve().parents[2]
ALLAUTH_TEMPLATES = Path(allauth.__file__).resolve().parent / "templates"
# allauth's email templates live in these folders; every one must be overridden in ours.
EMAIL_FOLDERS = ("account/email", "mfa/email")
PREFIXES = sorted(
    f"{folder}/{path.name.removesuffix('_subject.txt')}"
    for folder in EMAIL_FOLDERS
    for path in (ALLAUTH_TEMPLATES / folder).glob("*_subject.txt")
)
LINK = "https://ehab.example/accounts/confirm-email/Zx8qL3vN0pKd7sTwYb5uR1eHc9mJa4dG6fQiVoXyW/"
CODE = "K7QX-2MPD"
PREFIX = "E-Hab: "
GENERIC = ("hello from", "thank you for using", "you are receiving this", "127.0.0.1")


def context_for(prefix: str, *, code: bool = False) -> dict:
    """Everything allauth passes to any of its emails (the strictest template sees all of it)."""
    return {
        "user": UserFactory.build(email="sam@example.org", preferred_name="Sam"),
        "activate_url": "" if code else LINK,
        "password_reset_url": LINK,
        "signup_url": LINK,
        "key": "Zx8qL3vN0pKd7sTwYb5uR1eHc9mJa4dG6fQiVoXyW",
        "code": CODE if code else "",
        "email": "sam@example.org",
        "from_email": "old@example.org",
        "to_email": "new@example.org",
        "deleted_email": "old@example.org",
        "timestamp": "2026-12-01 10:00",
        "ip": "203.0.113.9",
        "user_agent": "Mozilla/5.0",
        "current_site": {"name": "127.0.0.1:8101", "domain": "127.0.0.1:8101"},
    }


def test_every_allauth_email_is_found_here():
    assert len(PREFIXES) >= 18
    assert "account/email/email_confirmation_signup" in PREFIXES
    assert "mfa/email/totp_activated" in PREFIXES


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_allauth_email_has_our_own_subject_and_message(prefix):
    for part in ("subject", "message"):
        origin = Path(get_template(f"{prefix}_{part}.txt").origin.name)
        assert origin.is_relative_to(ROOT / "templates"), f"{prefix}_{part}: allauth's own"


@pytest.mark.parametrize("code", [False, True], ids=["link", "code"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_account_email_is_calm_and_discreet(prefix, code):
    context = context_for(prefix, code=code)
    subject = render_to_string(f"{prefix}_subject.txt", context).strip()
    body = render_to_string(f"{prefix}_message.txt", context).strip()
    for text in (subject, body):
        assert "@@MISSING:" not in text, f"{prefix}: unknown variable in {text!r}"
        for phrase in GENERIC:
            assert phrase not in text.lower(), f"{prefix}: allauth's {phrase!r} in {text!r}"
    assert "\n" not in subject and 0 < len(PREFIX + subject) <= SUBJECT_MAX
    assert not DENY_RE.search(subject) and not URL_RE.search(subject), subject
    assert body.startswith("Hi,\n"), body
    # The same checks as every notification body: words, titles, one link, no addresses.
    problems = find_problems("body.txt", body, {"action_url": LINK, "unsubscribe_url": ""})
    assert not problems, f"{prefix}:\n  " + "\n  ".join(problems)


def test_the_checks_would_catch_allauths_own_wording():
    """Run on allauth's originals, the checks above fail (they are not vacuous)."""
    original = (ALLAUTH_TEMPLATES / "account/email/base_message.txt").read_text()
    assert "Hello from" in original
    assert find_problems(
        "body.txt",
        "Hi,\nA new set of Two-Factor Authentication recovery codes has been generated.",
        {"action_url": LINK, "unsubscribe_url": ""},
    )


# --- As sent ----------------------------------------------------------------------------------


def only_mail():
    """The one email sent, once the worker has delivered the outbox (the request only writes
    it there)."""
    assert not mail.outbox, "the request itself sent mail"
    deliver_outbox()
    (message,) = mail.outbox
    return message


def assert_ours(message, *, subject: str, link_path: str):
    assert message.subject == PREFIX + subject
    assert message.from_email == "E-Hab <no-reply@ehab.example>"
    body = message.body
    assert body.startswith("Hi,\n") and "Hello from" not in body and "Thank you for" not in body
    (link,) = (line.strip() for line in body.splitlines() if "://" in line)
    assert link_path in link
    problems = find_problems("body.txt", body, {"action_url": link, "unsubscribe_url": ""})
    assert not problems, "\n  ".join(problems)
    assert not DENY_RE.search(message.subject)


def test_the_sign_up_confirmation_as_sent_is_ours(client, db, settings):
    settings.EHAB_NOTIFICATION_FROM = "E-Hab <no-reply@ehab.example>"
    settings.DEFAULT_FROM_EMAIL = "The Practice <office@practice.example>"
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "password1": "a-calm-passphrase-9",
         "password2": "a-calm-passphrase-9"},
        HTTP_HOST="127.0.0.1",
    )  # fmt: skip
    assert response.status_code == 302
    assert_ours(
        only_mail(), subject="Please confirm your email address", link_path="/confirm-email/"
    )


def test_a_sign_up_with_a_known_address_tells_its_owner_calmly(client, client_a, settings):
    settings.DEFAULT_FROM_EMAIL = "The Practice <office@practice.example>"
    client.post(
        reverse("account_signup"),
        {"email": client_a.email, "password1": "a-calm-passphrase-9",
         "password2": "a-calm-passphrase-9"},
    )  # fmt: skip
    assert_ours(only_mail(), subject="You already have an account", link_path="/password/reset/")


def test_the_password_reset_email_as_sent_is_ours(client, client_a, settings):
    settings.DEFAULT_FROM_EMAIL = "The Practice <office@practice.example>"
    client.post(reverse("account_reset_password"), {"email": client_a.email})
    message = only_mail()
    assert_ours(message, subject="Choosing a new password", link_path="/password/reset/key/")
    assert re.search(r"don't forward this email", message.body)
