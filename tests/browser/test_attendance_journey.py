"""Attendance in a real browser on a tablet's width (768 px): the clinician running yesterday's
group opens it from their sessions, marks one member late with 60 minutes and one absent, saves
once; the member then sees it on their own attendance page with their hours, gives their legal
name and date of birth, and opens the superbill for the last days, which lists that session.
Every page is axe-clean and valid HTML (the `page` fixture checks each one)."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from meetings.models import Attendance
from tests.conftest import give_totp
from tests.factories import PASSWORD, UserFactory
from tests.meetings.helpers import group_with_sessions

from .helpers import assert_accessible, enter_totp_code, sign_in, sign_out

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # tests/conftest.py give_totp


def test_a_clinician_takes_attendance_on_a_tablet_and_the_client_sees_it(page, settings):
    settings.EHAB_PRACTICE_ADDRESS = "1 Calm Street;Miami, FL 33101"
    settings.EHAB_PRACTICE_TAX_ID = "12-3456789"
    settings.EHAB_PRACTICE_NPI = "1234567893"
    settings.EHAB_SESSION_FEES = {"group": Decimal("120.00"), "individual": Decimal("175.00")}
    page.set_viewport_size({"width": 768, "height": 1024})
    lead = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Lee", timezone="America/New_York")
    give_totp(lead)
    now = timezone.now()
    yesterday = now.date() - timedelta(days=1)
    _, (robin, sam), sessions = group_with_sessions(
        lead=lead, members=2, start=yesterday - timedelta(days=14), now=now, weeks=4,
        weekday=yesterday.weekday(),
    )  # fmt: skip
    held = [s for s in sessions if s.starts_at < now]
    session = held[-1]
    robin.preferred_name, sam.preferred_name = "Robin", "Sam"
    robin.save(update_fields=["preferred_name"])
    sam.save(update_fields=["preferred_name"])

    sign_in(page, lead.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.goto(reverse("care:sessions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sessions")
    assert_accessible(page)
    page.get_by_role("link", name="Take attendance").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance")
    assert page.url.endswith(reverse("care:session_attendance", args=[session.pk]))
    assert_accessible(page)

    robin_card = page.locator("fieldset.attendance-row", has_text="Robin")
    robin_card.get_by_text("Late", exact=True).click()
    robin_card.get_by_label("Minutes attended").fill("60")
    page.locator("fieldset.attendance-row", has_text="Sam").get_by_text(
        "Absent", exact=True
    ).click()
    # Nothing on the screen is wider than the tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    assert dict(Attendance.objects.values_list("client__preferred_name", "minutes")) == {
        "Robin": 60,
        "Sam": 0,
    }
    assert_accessible(page)
    sign_out(page)

    sign_in(page, robin.email, PASSWORD)
    page.goto(reverse("attendance:mine"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your attendance and hours")
    row = page.locator("table.hours-table tbody tr", has_text="Group session")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Late")
    expect(row).to_contain_text("60 of 90")
    expect(page.get_by_text("Target: 9 hours a week")).to_be_visible()
    assert_accessible(page)

    # The superbill: details once, then the days; the session is on it with its code and fee.
    page.goto(reverse("records:superbill"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Superbills for insurance")
    assert_accessible(page)
    page.get_by_label("Your full legal name").fill("Robin Avery Stone")
    page.get_by_label("Your date of birth").fill("1981-06-15")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    page.get_by_label("From").fill((session.starts_at.date() - timedelta(days=1)).isoformat())
    robins_today = now.astimezone(ZoneInfo(robin.timezone)).date()
    page.get_by_label("To (included)").fill(robins_today.isoformat())
    page.get_by_role("button", name="Open the superbill").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Superbill")
    services = page.locator("table", has_text="Sessions attended")
    expect(services.locator("tbody tr")).to_have_count(1)
    expect(services).to_contain_text("90853")
    expect(services).to_contain_text("$120.00")
    expect(page.get_by_text("Robin Avery Stone")).to_be_visible()
    assert_accessible(page)
