"""A hard evening, on a 390-wide phone screen with axe on every page: a client who has held his
bottom lines for three days checks in, says he lapsed, walks the chain analysis, finds his three
days still counted, logs an urge and reads his trend; his clinician then sees the lapse on the
caseload and reads it in the record."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from daily.days import local_today
from daily.models import BottomLines, Checkin, Lapse, UrgeLog
from tests.conftest import give_totp
from tests.factories import (
    PASSWORD,
    CareAssignmentFactory,
    CheckinFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

from .helpers import assert_accessible, enter_totp_code, sign_in, sign_out

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret
PHONE = {"width": 390, "height": 844}


def test_a_lapse_is_information_the_days_stay_counted_and_the_clinician_sees_it(
    page, page_problems
):
    person = UserFactory(role=Role.CLIENT, preferred_name="Jordan", timezone="America/Denver")
    clinician = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Reyes")
    give_totp(clinician)
    CareAssignmentFactory(clinician=clinician, client=person)
    # The live server keeps the real clock: his days end on his today, read once.
    today = local_today(now=timezone.now(), tz=person.timezone)
    EnrollmentFactory(client=person, track=make_track(weeks=1, trauma_weeks=()), start_date=today)
    for back in (1, 2, 3):
        CheckinFactory(client=person, day=today - timedelta(days=back))
    page.set_viewport_size(PHONE)

    sign_in(page, person.email, PASSWORD)
    page.get_by_role("link", name="Open today's check-in").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's check-in")
    held = page.locator(".daily-held")
    expect(held).to_contain_text("3 days held so far.")
    expect(held).to_contain_text("This stretch: 3 days.")
    page.get_by_role("group", name="My mood today").get_by_label("3", exact=True).check()
    page.get_by_role("group", name="The strongest urge today").get_by_label("8", exact=True).check()
    page.get_by_label("Teenager").check()
    page.get_by_label("I lapsed").check()
    page.get_by_role("group", name="Are you safe tonight?").get_by_label("Yes").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save my evening").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Looking at what happened")
    assert_accessible(page)
    page.get_by_label("What was happening?").fill("Home alone after a long shift")
    page.get_by_role("group", name="Which part was loudest?").get_by_text("Teenager").click()
    page.get_by_role("group", name="Where in the cycle").get_by_text("Overwhelm").click()
    page.get_by_label("What will you try next time?").fill("Text Sam before the house is quiet")
    page.get_by_role("button", name="Save and finish").click()
    expect(page.get_by_text("Thank you for looking at this. It is saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Open my safety plan").first).to_be_visible()
    assert_accessible(page)

    page.goto("/me/today/")
    held = page.locator(".daily-held")
    expect(held).to_contain_text("3 days held so far.")  # the lapse took none of them away
    expect(held).not_to_contain_text("This stretch")
    page.get_by_role("link", name="Log an urge").click()
    page.get_by_role("group", name="How strong is it?").get_by_text("6", exact=True).click()
    page.get_by_text("Chest", exact=True).click()
    page.get_by_text("Reached out to someone", exact=True).click()
    page.get_by_role("button", name="Log it").click()
    expect(page.locator(".logs-recent")).to_contain_text("6 out of 10, chest.")
    assert_accessible(page)

    page.goto("/me/today/")
    page.get_by_role("link", name="My trends").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your trends")
    expect(page.get_by_role("img", name="Check-ins each week")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    checkin = Checkin.objects.get(client=person, day=today)
    assert checkin.bottom_lines == BottomLines.LAPSED
    assert Checkin.objects.filter(client=person, bottom_lines=BottomLines.HELD).count() == 3
    assert Lapse.objects.get(client=person).checkin == checkin
    assert UrgeLog.objects.filter(client=person).count() == 1
    sign_out(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, clinician.email, PASSWORD)
    enter_totp_code(page, SECRET)
    row = page.locator("table.caseload tbody tr").filter(has_text="Jordan")
    expect(row).to_contain_text("1 lapse")
    assert_accessible(page)
    row.get_by_role("link", name="Jordan").click()
    section = page.locator("#daily")
    expect(section).to_contain_text("from the evening check-in")
    expect(section).to_contain_text("Home alone after a long shift")
    expect(section).to_contain_text("Text Sam before the house is quiet")
    assert_accessible(page)
    assert not page_problems
