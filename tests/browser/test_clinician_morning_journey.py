"""The demo clinician's morning in a real browser, with axe on every page (issue 12): the demo
client submits a worksheet; the clinician signs in with their authenticator app, finds the
client ranked on the caseload with the right week, opens the record, reads the worksheet just
submitted, replies, and holds week 6 with a reason. The client then reads the reply under that
version in My work and sees when their next week opens, never the reason."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from courses.models import Module, PacingAction, WorksheetResponse
from ehab.management.commands.seed_demo import DEMO_PASSWORD
from tests.conftest import give_totp

from .helpers import (
    assert_accessible,
    enter_totp_code,
    label,
    path_is,
    sign_in,
    sign_out,
)
from .test_course_journey import (
    DEMO_CLIENT,
    TRACK,
    pass_content_note_if_shown,
    week,
    worksheet_lesson_for,
)

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # tests/conftest.py give_totp
ANSWER = "When the house goes quiet after dinner, I reach for my phone before I notice anything."
REPLY = "Thank you for writing this down. Let's look at that quiet hour together on Thursday."
PACING_NOTE = "CANARY-morning-6f1d waiting until the sleep plan settles"


def test_the_clinicians_morning_from_caseload_to_reply_and_hold(page, page_problems):
    call_command("seed_demo", stdout=io.StringIO())
    clinician = User.objects.get(email="clinician@example.com")
    give_totp(clinician)
    sam = User.objects.get(email=DEMO_CLIENT)
    this_week = week(4)  # the demo cohort began three weeks ago: weeks 1 to 4 are open

    # The client submits a worksheet.
    sign_in(page, DEMO_CLIENT, DEMO_PASSWORD)
    expect(page).to_have_url(path_is(reverse("courses:dashboard")))
    lesson = worksheet_lesson_for(this_week)
    page.goto(reverse("courses:module", args=[lesson.module_id]))
    pass_content_note_if_shown(page, lesson.module)
    page.goto(reverse("courses:lesson", args=[lesson.pk]))
    worksheet = page.get_by_role("region", name="Your worksheet")
    worksheet.get_by_label(label(lesson.prompts[0]["label"])).fill(ANSWER)
    worksheet.get_by_role("button", name="Submit worksheet").click()
    expect(page.get_by_text(re.compile(r"^Saved as version 1\."))).to_be_visible()
    assert_accessible(page)
    version = WorksheetResponse.objects.submitted().get(enrollment__client=sam, lesson=lesson)
    sign_out(page)

    # The clinician: password, authenticator code, and the caseload is home.
    sign_in(page, clinician.email, DEMO_PASSWORD)
    expect(page).to_have_url(path_is(reverse("mfa_authenticate")))
    assert_accessible(page)
    enter_totp_code(page, SECRET)
    expect(page).to_have_url(path_is(reverse("care:caseload")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    assert_accessible(page)
    names = [name.strip() for name in page.locator("tbody tr th[scope=row]").all_inner_texts()]
    assert sorted(names) == ["Alex", "Casey", "Jordan", "Morgan", "Riley", "Sam", "Taylor"]
    # Worst first: the client away for nine days, and the one whose worksheets wait, come
    # before the one who began today with nothing pressing.
    assert names.index("Alex") < names.index("Jordan")
    assert names.index("Morgan") < names.index("Jordan")
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name="Sam", exact=True))
    expect(row.locator("td[data-label=Week]")).to_contain_text("Week 4 of 12")
    expect(row.locator("td[data-label='To review']")).to_contain_text("1 waiting")

    row.get_by_role("link", name="Sam", exact=True).click()
    expect(page).to_have_url(path_is(reverse("care:client_detail", args=[sam.pk])))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam")
    worksheets = page.locator("#worksheets")
    expect(worksheets).to_contain_text("waiting for review")
    assert_accessible(page)

    # Read the version just submitted, and reply to it.
    version_url = reverse("care:worksheet_version", args=[sam.pk, version.pk])
    worksheets.locator(f"a[href='{version_url}']").first.click()
    expect(page).to_have_url(path_is(version_url))
    expect(page.get_by_text(ANSWER)).to_be_visible()
    assert_accessible(page)
    page.get_by_label(label("Your reply")).fill(REPLY)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was saved.")).to_be_visible()
    assert_accessible(page)

    # Hold week 6 from the record's pacing section, with a reason and a note.
    page.goto(reverse("care:client_detail", args=[sam.pk]) + "#pacing")
    pacing = page.locator("#pacing")
    pacing.get_by_text("Hold a week", exact=True).click()
    form = pacing.locator("details", has_text="Hold a week").first
    form.get_by_label("Week").select_option(label=f"Week 6: {week(6).title}")
    form.get_by_label("Reason").select_option("stabilization")
    form.get_by_label(re.compile("^Note")).fill(PACING_NOTE)
    form.get_by_role("button", name="Hold this week").click()
    expect(page.get_by_text("Week 6 is held until you lift the hold.")).to_be_visible()
    expect(page.locator(".pacing-history")).to_contain_text(PACING_NOTE)
    assert_accessible(page)
    hold = PacingAction.objects.get(enrollment__client=sam, kind="hold", lifted_at=None)
    assert hold.module == Module.objects.get(track__slug=TRACK, week=6, retired_at=None)
    sign_out(page)

    # The client: the reply under that version, and the next week's date, never the reason.
    sign_in(page, DEMO_CLIENT, DEMO_PASSWORD)
    next_line = page.locator("main p").filter(has_text=re.compile(r"^\s*Your next week opens on"))
    expect(next_line).to_have_count(1)
    expect(next_line).to_contain_text(re.compile(r"opens on\s+\w+day, \w+ \d+ at \d+:\d\d [AP]M"))
    assert_accessible(page)
    pages = [page.content()]
    page.goto(reverse("courses:my_work"))
    item = page.locator("[id^=v-]").filter(has_text=REPLY)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("From your care team")
    expect(item).to_contain_text(ANSWER)
    assert_accessible(page)
    pages.append(page.content())
    page.goto(reverse("courses:program_map"))
    expect(
        page.get_by_role("listitem")
        .filter(has_text="Week 6")
        .get_by_text("Waiting: your clinician is holding this week for now")
    ).to_be_visible()
    assert_accessible(page)
    pages.append(page.content())
    for text in pages:
        assert "CANARY" not in text
        assert "Stabilization" not in text and "stabilization" not in text
    assert page_problems == []
