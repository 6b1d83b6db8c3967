"""An administrator invites two people from a CSV into a cohort, then moves one of them to
another cohort after the week-by-week preview; axe on every page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from courses.models import Enrollment, EnrollmentSource
from notifications.models import Kind, Notification
from tests.conftest import give_totp
from tests.factories import PASSWORD, CohortFactory, UserFactory, make_track

from .helpers import assert_accessible, enter_totp_code, label, sign_in

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret
CSV = b"name,email\nSam Rivera,sam.invite@example.org\nJo Lee,jo.invite@example.org\n"


def test_an_admin_invites_two_people_from_a_csv_and_moves_one_after_the_preview(
    page, page_problems
):
    admin = UserFactory(role=Role.ADMIN, preferred_name="Ada")
    give_totp(admin)
    track = make_track(weeks=3, lessons_per_module=1, trauma_weeks=())
    # The live server and Chromium keep the real clock: the cohorts start from it.
    today = timezone.now().date()
    CohortFactory(track=track, name="Winter group", start_date=today + timedelta(days=7))
    CohortFactory(track=track, name="Spring group", start_date=today + timedelta(days=35))

    sign_in(page, admin.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.goto(reverse("accounts:console"))
    page.get_by_role("link", name="Invite people from a CSV file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite people")
    assert_accessible(page)
    page.get_by_label(label("Cohort")).select_option(label="Winter group")
    page.get_by_label(label("CSV file")).set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Invited 2 people into Winter group.")).to_be_visible()
    assert_accessible(page)
    assert Enrollment.objects.filter(source=EnrollmentSource.MANUAL).count() == 2
    assert Notification.objects.filter(kind=Kind.INVITATION).count() == 2

    page.get_by_role("link", name="Back to enrollments").click()
    page.get_by_label(label("Client's email address")).fill("sam.invite@example.org")
    page.get_by_role("button", name="Find").click()
    assert_accessible(page)
    page.get_by_role("link", name="sam.invite@example.org").click()
    expect(page.get_by_text("Winter group")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(label("Move to cohort")).select_option(label="Spring group")
    page.get_by_role("button", name="Preview the move").click()
    expect(page.get_by_role("heading", name="When each week opens in Spring group")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(3)
    assert_accessible(page)
    page.get_by_label(label("Reason")).fill("The later start fits their work")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_text("Moved to Spring group.")).to_be_visible()
    assert_accessible(page)
    sam = Enrollment.objects.get(client__email="sam.invite@example.org")
    assert sam.cohort.name == "Spring group"
    assert not page_problems
