"""On-screen messages name nobody: allauth's "Successfully signed in as
<email>" travelled in a `messages` cookie, readable on the device and sent with every request.
Messages are kept in the session (on the server) and say what happened in calm words only."""

from pathlib import Path

import allauth
import pytest
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
ALLAUTH_TEMPLATES = Path(allauth.__file__).resolve().parent / "templates"
MESSAGE_TEMPLATES = sorted(
    f"{folder}/{path.name}"
    for folder in ("account/messages", "mfa/messages")
    for path in (ALLAUTH_TEMPLATES / folder).glob("*.txt")
)
EMAIL = "sam.rivers@example.org"
PHONE = "+13055550123"


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_every_allauth_message_template_is_found_here():
    assert len(MESSAGE_TEMPLATES) >= 19
    assert "account/messages/logged_in.txt" in MESSAGE_TEMPLATES


@pytest.mark.parametrize("name", MESSAGE_TEMPLATES)
def test_no_message_names_the_person_or_their_address(db, name):
    user = UserFactory(email=EMAIL, preferred_name="Sam", phone=PHONE)
    context = {
        "user": user,
        "email": EMAIL,
        "recipient": EMAIL,
        "phone": PHONE,
        "from_email": EMAIL,
        "to_email": "sam.new@example.org",
    }
    text = render_to_string(name, context).strip()
    assert text, name
    for personal in (EMAIL, "sam.new@example.org", PHONE, "Sam", "sam.rivers", "@"):
        assert personal not in text, f"{name}: {text!r}"


@pytest.mark.parametrize(
    "name", [name for name in MESSAGE_TEMPLATES if name.startswith("account/")]
)
def test_every_account_message_is_our_own_wording(name):
    origin = Path(get_template(name).origin.name)
    assert origin.is_relative_to(ROOT / "templates"), f"{name}: allauth's own"


def test_signing_in_leaves_no_messages_cookie_and_no_message_names_the_email(client, client_a):
    response = client.post(
        reverse("account_login"), {"login": client_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "messages" not in response.cookies

    response = client.get(response["Location"], follow=True)

    assert "messages" not in client.cookies or not client.cookies["messages"].value
    shown = shown_messages(response)
    assert shown == ["You're signed in."]
    assert not any(client_a.email in message for message in shown)


def test_signing_out_says_so_without_a_messages_cookie(client, client_a, signed_in):
    signed_in(client_a)
    response = client.post(reverse("account_logout"))
    assert "messages" not in response.cookies
    response = client.get(response["Location"], follow=True)
    assert shown_messages(response) == ["You've signed out."]


@pytest.mark.parametrize("existing", [False, True], ids=["a new address", "a known address"])
def test_a_sign_up_says_an_email_is_coming_without_naming_the_address(client, db, existing):
    if existing:
        UserFactory(email=EMAIL)
    response = client.post(
        reverse("account_signup"),
        {"email": EMAIL, "password1": "lantern-harbour-morning-7",
         "password2": "lantern-harbour-morning-7"},
        follow=True,
    )  # fmt: skip
    assert "messages" not in client.cookies or not client.cookies["messages"].value
    # The same words whether or not the address has an account.
    assert shown_messages(response) == [
        "We're sending an email to the address you gave. It may take a few minutes to arrive."
    ]
