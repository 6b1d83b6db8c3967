"""Choosing a plan before having an account: confirming the email signs in and lands on it."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.session_policy import RESUME_AFTER_SIGN_IN
from payments.models import Plan
from tests.factories import PASSWORD, TrackFactory, UserFactory
from tests.notifications.outbox import deliver_outbox

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "lantern-harbour-morning-7"
CONFIRM_LINK = re.compile(r"/accounts/confirm-email/[^\s\"'<>]+/")


@pytest.fixture
def plan():
    return Plan.objects.create(
        slug="core-12-full", track=TrackFactory(), kind="full", installments=1, amount="3000.00"
    )


def _sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _sign_up_from_the_plan(client, plan, email):
    plan_url = reverse("join:plan", args=[plan.slug])
    response = client.get(plan_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    deliver_outbox()  # the worker sends account emails
    [link] = CONFIRM_LINK.findall(mail.outbox[-1].body)
    return link


def test_confirming_the_email_signs_in_and_lands_on_the_plan_chosen_before_signing_up(client, plan):
    plan_url = reverse("join:plan", args=[plan.slug])
    email = "new.person@example.org"
    link = _sign_up_from_the_plan(client, plan, email)

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == plan_url
    page = client.get(plan_url)
    assert page.status_code == 200
    assert page.wsgi_request.user.email == email
    assert "Continue to payment" in page.content.decode()
    # Only once: the next sign-in in this browser goes home as usual.
    client.post(reverse("account_logout"))
    assert _sign_in(client, email, NEW_PASSWORD)["Location"] == reverse("home")


def test_confirming_in_another_browser_signs_nobody_in_and_the_plan_waits_for_sign_in(client, plan):
    plan_url = reverse("join:plan", args=[plan.slug])
    email = "new.person@example.org"
    link = _sign_up_from_the_plan(client, plan, email)

    elsewhere = Client()
    response = elsewhere.post(link)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert elsewhere.get(plan_url)["Location"].startswith(reverse("account_login"))
    # The browser that chose the plan lands on it at its next sign-in.
    assert _sign_in(client, email, NEW_PASSWORD)["Location"] == plan_url


def test_a_plain_sign_in_still_goes_home(client):
    user = UserFactory()
    assert _sign_in(client, user.email, PASSWORD)["Location"] == reverse("home")


@pytest.mark.parametrize("stored", ["https://evil.example/join/", "//evil.example/join/", "join/"])
def test_only_a_path_on_this_site_is_ever_resumed(client, stored):
    user = UserFactory()
    session = client.session
    session[RESUME_AFTER_SIGN_IN] = stored
    session.save()

    assert _sign_in(client, user.email, PASSWORD)["Location"] == reverse("home")


@pytest.mark.parametrize("stored", ["https://evil.example/join/", "//evil.example/join/", "join/"])
def test_confirming_the_email_lands_only_on_a_path_on_this_site(client, plan, stored):
    link = _sign_up_from_the_plan(client, plan, "new.person@example.org")
    session = client.session
    session[RESUME_AFTER_SIGN_IN] = stored
    session.save()

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    # Signed in: home sends them on to their own home page, not to sign in.
    assert client.get(reverse("home"))["Location"] == reverse("courses:dashboard")
