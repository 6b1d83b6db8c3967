"""The client's record in a real browser: axe finds nothing serious on a record full of
history (the weeks table, the timeline and the SUDS chart with its table), the pictures are
images named by their titles, and the strict CSP is never broken (no inline style on the SVG)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import Role
from tests.care.record_history import record_track, with_history
from tests.conftest import sign_in
from tests.factories import CareAssignmentFactory, UserFactory

from .helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_a_record_full_of_history_is_accessible(page, page_problems, live_server):
    clinician = UserFactory(role=Role.CLINICIAN)
    person = UserFactory(role=Role.CLIENT, preferred_name="Robin")
    CareAssignmentFactory(clinician=clinician, client=person)
    with_history(client=person, track=record_track(weeks=12), weeks=4)
    # Signed in with a second factor (tests/conftest.py), the session handed to the browser.
    signed = sign_in(Client(), clinician)
    cookie = signed.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )

    page.goto(reverse("care:client_detail", args=[person.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin")
    expect(page.get_by_role("table", name=re.compile("Weeks of the program"))).to_be_visible()
    expect(page.get_by_role("img", name="Timeline of Robin's program")).to_be_visible()
    expect(page.get_by_role("img", name="SUDS before and after each lesson")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("SUDS by lesson"))).to_be_visible()
    page.get_by_role("navigation", name="Sections of the record").get_by_role(
        "link", name="SUDS"
    ).click()
    expect(page).to_have_url(re.compile(r"#suds$"))
    assert_accessible(page)
    assert page_problems == []
