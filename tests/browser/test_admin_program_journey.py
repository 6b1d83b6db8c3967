"""The administrator's whole morning in one real browser, axe on every page: from the console
they create a cohort, invite two people into it from a CSV file, move one of them to a later
cohort after the week-by-week preview, preview week 3 as a client sees it, and open the reports
for the new cohort, where a group of fewer than five people shows no figure at all."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from courses.models import Cohort, Enrollment, EnrollmentSource
from tests.conftest import give_totp
from tests.factories import PASSWORD, CohortFactory, UserFactory, make_track

from .helpers import assert_accessible, enter_totp_code, label, sign_in

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret
CSV = b"name,email\nSam Rivera,sam.morning@example.org\nJo Lee,jo.morning@example.org\n"
BANNER = "Preview: this is how a client sees this page. Nothing here is saved."


def test_an_administrator_creates_invites_moves_previews_and_reports(page, page_problems):
    admin = UserFactory(role=Role.ADMIN)
    give_totp(admin)
    lead = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Rivera")
    track = make_track(weeks=4, lessons_per_module=2, trauma_weeks=(3,))
    week3 = track.modules.get(week=3)
    # The live server and Chromium keep the real clock: the cohorts start from it.
    start = timezone.now().date() + timedelta(days=14)
    CohortFactory(track=track, name="Later group", start_date=start + timedelta(days=28))

    sign_in(page, admin.email, PASSWORD)
    enter_totp_code(page, SECRET)

    # 1. A new cohort, from the console.
    page.get_by_role("link", name="Open cohorts").click()
    page.get_by_role("link", name="New cohort").click()
    assert_accessible(page)
    page.get_by_label(label("Track")).select_option(str(track.pk))
    page.get_by_label(label("Name")).fill("Morning group")
    page.get_by_label(label("Start date")).fill(start.isoformat())
    page.get_by_label(label("Seats")).fill("10")
    page.get_by_label(label("Time zone")).select_option("America/New_York")
    page.get_by_label(label("Meeting day")).select_option("0")
    page.get_by_label(label("Meeting time")).fill("07:30")
    page.get_by_label(f"Dr. Rivera ({lead.email})").check()
    page.get_by_role("button", name="Create cohort").click()
    row = page.locator("tbody tr", has_text="Morning group")
    expect(row).to_contain_text("0 of 10")
    assert_accessible(page)
    cohort = Cohort.objects.get(name="Morning group")

    # 2. Two people invited into it from a CSV file.
    page.goto(reverse("ops:invite"))
    page.get_by_label(label("Cohort")).select_option(label="Morning group")
    page.get_by_label(label("CSV file")).set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Invited 2 people into Morning group.")).to_be_visible()
    assert_accessible(page)
    assert Enrollment.objects.filter(cohort=cohort, source=EnrollmentSource.MANUAL).count() == 2

    # 3. One of them moved to the later cohort, after seeing when each week would open.
    page.get_by_role("link", name="Back to enrollments").click()
    page.get_by_label(label("Client's email address")).fill("sam.morning@example.org")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="sam.morning@example.org").click()
    page.get_by_label(label("Move to cohort")).select_option(label="Later group")
    page.get_by_role("button", name="Preview the move").click()
    expect(page.locator("table tbody tr")).to_have_count(4)
    assert_accessible(page)
    page.get_by_label(label("Reason")).fill("A later start suits them")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_text("Moved to Later group.")).to_be_visible()
    assert Enrollment.objects.get(client__email="sam.morning@example.org").cohort.name == (
        "Later group"
    )

    # 4. Week 3 as a client sees it, without an enrollment.
    page.goto(reverse("accounts:console"))
    page.get_by_role("link", name="Open the content preview").click()
    page.get_by_role("link", name=f"Week 3: {week3.title}").click()
    expect(page.get_by_role("note", name="Preview")).to_contain_text(BANNER)
    expect(page.get_by_role("heading", level=1)).to_have_text(week3.title)
    assert_accessible(page)

    # 5. The reports, for the new cohort: one person left in it, so no figure is shown.
    page.goto(reverse("accounts:console"))
    page.get_by_role("link", name="Program, track and cohort figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    assert_accessible(page)
    page.get_by_label("Show the figures for").select_option(label=_cohort_label(cohort))
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".lead")).to_contain_text("Cohort: Morning group")
    funnel = page.locator("section.card").first
    expect(funnel.locator("svg")).to_be_visible()
    expect(funnel.locator("table")).to_contain_text("fewer than 5")
    cells = funnel.locator("table td").all_inner_texts()
    assert cells and not [cell for cell in cells if re.fullmatch(r"[1-4]", cell.strip())], cells
    assert_accessible(page)
    assert not page_problems


def _cohort_label(cohort: Cohort) -> str:
    return f"Cohort: {cohort.name} (from {cohort.start_date:%b %-d, %Y})"
