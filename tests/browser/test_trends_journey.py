"""The trends in a real browser on a 390-wide phone screen, axe on every page: a client with two
months of check-ins reads their trends over 4 and 12 weeks (charts that fit the screen, tables
in words), and their clinician reads the same in the record's Daily section, with the lapse's
chain analysis."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from daily.days import local_today
from tests.conftest import give_totp
from tests.factories import PASSWORD, CareAssignmentFactory, DsapFactory, UserFactory

from ..daily.test_trends import history
from .helpers import assert_accessible, enter_totp_code, sign_in, sign_out

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret
PHONE = {"width": 390, "height": 844}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_client_reads_their_trends_on_a_phone_and_the_clinician_the_same(page, page_problems):
    person = UserFactory(role=Role.CLIENT, preferred_name="Sam", timezone="America/Chicago")
    clinician = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Reyes")
    give_totp(clinician)
    CareAssignmentFactory(clinician=clinician, client=person)
    # The live server keeps the real clock: the history ends on the client's today, read once.
    today = local_today(now=timezone.now(), tz=person.timezone)
    history(person, 60, today=today)
    DsapFactory(client=person, version=1)
    page.set_viewport_size(PHONE)

    sign_in(page, person.email, PASSWORD)
    page.goto("/me/trends/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your trends")
    expect(page.get_by_role("link", name="4 weeks")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("img", name="Check-ins each week")).to_be_visible()
    expect(page.get_by_role("img", name="SUDS before and after each practice")).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)
    page.get_by_role("link", name="12 weeks").click()
    expect(page.get_by_role("link", name="12 weeks")).to_have_attribute("aria-current", "page")
    page.get_by_text("The figures, week by week").click()
    weeks = page.get_by_role("table", name="Each week, newest first")
    expect(weeks).to_be_visible()
    expect(weeks.locator("tbody tr")).to_have_count(12)
    start = today - timedelta(days=6)
    expect(weeks.locator("tbody tr").first).to_contain_text(f"{start:%b} {start.day} to")
    assert fits_the_screen(page)
    assert_accessible(page)
    sign_out(page)

    sign_in(page, clinician.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.get_by_role("link", name="Sam").click()
    section = page.locator("#daily")
    expect(section).to_contain_text("Version 1, in the client's words.")
    expect(section.get_by_role("img", name="Check-ins each week")).to_be_visible()
    expect(section).to_contain_text("Text a friend before opening the laptop.")
    assert_accessible(page)
    assert not page_problems
