"""A client's day on a phone (390 px), in a real browser with axe on every page: he writes his
daily plan, sets a morning intention, and does the evening review with big tick boxes and radio
rows, then sees his days held framed gently; a lapse leads to its next step without a reset."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from daily.models import Checkin
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory, make_track

from .helpers import assert_accessible, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_client_writes_a_plan_and_checks_in_morning_and_evening_on_a_phone(page, page_problems):
    person = UserFactory(role=Role.CLIENT, preferred_name="Jordan")
    EnrollmentFactory(
        client=person, track=make_track(weeks=1, trauma_weeks=()), start_date=timezone.now().date()
    )
    page.set_viewport_size(PHONE)
    sign_in(page, person.email, PASSWORD)
    page.get_by_role("link", name="Open today's check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's check-in")
    assert_accessible(page)

    page.get_by_role("link", name="write your daily plan").first.click()
    page.get_by_role("link", name="Write my plan").click()
    page.get_by_label("My bottom lines").fill("No apps after 10")
    page.get_by_label("My daily anchors").fill("Walk\nCall Sam\nRead a page")
    assert_accessible(page)
    page.get_by_role("button", name="Save my plan").click()
    expect(page.get_by_text("Your plan is saved. Earlier versions are kept.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Today's check-in").click()
    page.get_by_label("My intention for today").fill("Go gently")
    page.get_by_role("button", name="Save my intention").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    page.get_by_label("Walk").check()
    page.get_by_label("Call Sam").check()
    page.get_by_role("group", name="My mood today").get_by_label("7", exact=True).check()
    page.get_by_role("group", name="The strongest urge today").get_by_label("2", exact=True).check()
    page.get_by_label("Loving Parent").check()
    page.get_by_label("I held my bottom lines").check()
    page.get_by_label("What helped today").fill("A walk with Sam")
    page.get_by_role("group", name="Are you safe tonight?").get_by_label("Yes").check()
    assert_accessible(page)
    page.screenshot(path="/tmp/daily-evening.png", full_page=True)
    page.get_by_role("button", name="Save my evening").click()
    expect(page.get_by_text("Every day you held counts. This stretch: 1 day.")).to_be_visible()
    assert_accessible(page)
    checkin = Checkin.objects.get(client=person)
    assert (checkin.mood, checkin.urge, checkin.anchors_done) == (7, 2, ["Walk", "Call Sam"])
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page_problems == []
