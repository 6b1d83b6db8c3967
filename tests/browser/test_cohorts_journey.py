"""An administrator runs cohorts in a real browser with axe on every page: after their second
factor they open Cohorts from the console, create a cohort with a clinician and a weekly
meeting, see it in the list with its seats and meeting time in its own zone, and open its
roster, where a client placed in it later appears with his week and status."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from care.models import CareAssignment
from courses.models import Cohort
from courses.services.enrollment import enrollment_create
from tests.conftest import give_totp
from tests.factories import PASSWORD, UserFactory, make_track

from .helpers import assert_accessible, enter_totp_code, label, sign_in

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret


def test_an_administrator_creates_a_cohort_sees_it_listed_and_opens_its_roster(page, page_problems):
    admin = UserFactory(role=Role.ADMIN)
    give_totp(admin)
    lead = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Rivera")
    track = make_track(weeks=3, lessons_per_module=1, trauma_weeks=())

    sign_in(page, admin.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.get_by_role("link", name="Open cohorts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohorts")
    assert_accessible(page)
    page.get_by_role("link", name="New cohort").click()
    assert_accessible(page)
    page.get_by_label(label("Track")).select_option(str(track.pk))
    page.get_by_label(label("Name")).fill("Spring evenings")
    page.get_by_label(label("Start date")).fill("2030-03-04")
    page.get_by_label(label("Seats")).fill("8")
    page.get_by_label(label("Time zone")).select_option("America/Chicago")
    page.get_by_label(label("Meeting day")).select_option("1")
    page.get_by_label(label("Meeting time")).fill("18:30")
    page.get_by_label(f"Dr. Rivera ({lead.email})").check()
    page.get_by_role("button", name="Create cohort").click()

    row = page.locator("tbody tr", has_text="Spring evenings")
    expect(row).to_contain_text("0 of 8")
    expect(row).to_contain_text("Tuesdays at 18:30 (America/Chicago)")
    expect(row).to_contain_text("Dr. Rivera")
    assert_accessible(page)

    cohort = Cohort.objects.get(name="Spring evenings")
    client = UserFactory(role=Role.CLIENT, preferred_name="Jordan")
    enrollment_create(client=client, track=track, cohort=cohort, now=timezone.now())
    assert CareAssignment.objects.get(clinician=lead, client=client).is_active

    row.get_by_role("link", name="Roster of Spring evenings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roster: Spring evenings")
    roster = page.locator("tbody tr", has_text="Jordan")
    expect(roster).to_contain_text("Not started (3 weeks)")
    expect(roster).to_contain_text("Active")
    assert_accessible(page)
