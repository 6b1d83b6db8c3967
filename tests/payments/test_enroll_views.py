"""Choosing a plan before having an account: the plan survives signing up and confirming email."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.session_policy import RESUME_AFTER_SIGN_IN
from payments.models import Plan
from tests.factories import PASSWORD, TrackFactory, UserFactory

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


def test_someone_who_signs_up_from_a_plan_comes_back_to_it_after_confirming(client, plan):
    plan_url = reverse("join:plan", args=[plan.slug])

    response = client.get(plan_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    email = "new.person@example.org"
    client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    [link] = CONFIRM_LINK.findall(mail.outbox[-1].body)
    assert client.post(link).status_code == 302  # confirmed; now sign in

    response = _sign_in(client, email, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == plan_url
    assert client.get(plan_url).status_code == 200
    # Only once: the next sign-in in this browser goes home as usual.
    client.post(reverse("account_logout"))
    assert _sign_in(client, email, NEW_PASSWORD)["Location"] == reverse("home")


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
