"""Messages in a real browser: a client sets quiet hours and channels, and a one-click
unsubscribe link works without signing in. Each page passes axe."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from notifications.models import Channel, Kind, Preference
from tests.factories import PASSWORD, UserFactory

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_a_client_chooses_quiet_hours_and_stops_one_kind_of_message(
    page, live_server, page_problems
):
    user = UserFactory(email="messages@example.org")
    page.goto(reverse("account_login"))
    page.get_by_label(re.compile(r"^Email:?$")).fill(user.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(reverse("notifications:preferences"))
    expect(page.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Quiet hours start:?$")).fill("22:00")
    group = page.get_by_role("group", name=Kind.MODULE_NOT_STARTED.label)
    group.get_by_label("Don't send").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    pref = Preference.objects.get(user=user, kind=Kind.MODULE_NOT_STARTED)
    assert pref.channel == Channel.NONE
    assert user.delivery_settings.quiet_start.hour == 22

    # The unsubscribe link from an email needs no sign-in.
    other = Preference.objects.get(user=user, kind=Kind.INACTIVITY_NUDGE)
    page.context.clear_cookies()
    page.goto(reverse("notifications:unsubscribe", args=[other.unsubscribe_token]))
    expect(page.get_by_role("heading", name="Stop these messages?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Stop these messages").click()
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    assert_accessible(page)
    other.refresh_from_db()
    assert other.channel == Channel.NONE
    assert page_problems == []
