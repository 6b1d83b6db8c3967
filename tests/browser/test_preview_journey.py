"""An administrator previews the program in a real browser with axe on every page: after their
second factor, from the console, the list of tracks, week 3 and one of its lessons, each with
the preview banner, its forms drawn disabled, and nothing saved."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from courses.models import LessonKind, LessonProgress, WorksheetResponse
from tests.conftest import give_totp
from tests.factories import PASSWORD, UserFactory, make_track

from .helpers import assert_accessible, enter_totp_code, sign_in

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret
BANNER = "Preview: this is how a client sees this page. Nothing here is saved."


def test_an_administrator_previews_week_3_and_a_lesson_as_a_client_sees_them(page, page_problems):
    admin = UserFactory(role=Role.ADMIN)
    give_totp(admin)
    track = make_track(weeks=4, lessons_per_module=3, trauma_weeks=(3,))
    week3 = track.modules.get(week=3)
    worksheet = week3.lessons.get(kind=LessonKind.WORKSHEET)

    sign_in(page, admin.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.get_by_role("link", name="Open the content preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Content preview")
    expect(page.get_by_role("heading", name=track.title)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Week 3: {week3.title}").click()
    expect(page.get_by_role("note", name="Preview")).to_contain_text(BANNER)
    expect(page.get_by_role("heading", level=1)).to_have_text(week3.title)
    expect(page.get_by_text(week3.content_note)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=worksheet.title).click()
    expect(page.get_by_role("note", name="Preview")).to_contain_text(BANNER)
    expect(page.get_by_role("heading", level=1)).to_have_text(worksheet.title)
    expect(page.get_by_role("button", name="Submit worksheet")).to_be_disabled()
    expect(page.get_by_role("button", name="Mark as done")).to_be_disabled()
    expect(page.get_by_role("textbox", name="My early warning signs")).to_be_disabled()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^Week 3: ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(week3.title)
    assert LessonProgress.objects.count() == 0
    assert WorksheetResponse.objects.count() == 0
    assert not page_problems
