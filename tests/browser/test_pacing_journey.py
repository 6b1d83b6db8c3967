"""Pacing and a progress note in a real browser: a clinician signs in with their authenticator,
holds a week from the client's record with a reason and a note, writes and signs a note; the
client then sees that the week waits and when their next week opens, never the reason or the
note. Every page is axe-clean and valid HTML (the `page` fixture checks each one)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from care.models import ProgressNote
from courses.models import PacingAction
from courses.services.releases import enrollment_release_due_modules
from tests.conftest import give_totp
from tests.factories import (
    PASSWORD,
    CareAssignmentFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

from .helpers import assert_accessible, enter_totp_code, label, sign_in, sign_out

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # tests/conftest.py give_totp
PACING_NOTE = "CANARY-browser-pacing-71c2 court date this week"
NOTE_TEXT = "CANARY-browser-note-0b5e Session went well; steadier."


def test_a_clinician_holds_a_week_and_signs_a_note_and_the_client_sees_only_the_neutral_line(
    page, page_problems
):
    client = UserFactory(role=Role.CLIENT, preferred_name="Robin", timezone="America/New_York")
    clinician = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Lee",
                            timezone="America/Chicago")  # fmt: skip
    give_totp(clinician)
    CareAssignmentFactory(clinician=clinician, client=client)
    track = make_track(weeks=8, lessons_per_module=1, trauma_weeks=())
    now = timezone.now()
    start = client.local_date(now) - timedelta(days=15)  # weeks 1 to 3 are open
    enrollment = EnrollmentFactory(client=client, track=track, start_date=start)
    enrollment_release_due_modules(enrollment=enrollment, now=now)

    sign_in(page, clinician.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.goto(reverse("care:client_detail", args=[client.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin")
    pacing = page.locator("#pacing")
    expect(pacing.get_by_role("heading", name="Pacing")).to_be_visible()
    assert_accessible(page)

    pacing.get_by_text("Hold a week", exact=True).click()
    form = pacing.locator("details", has_text="Hold a week").first
    form.get_by_label("Week").select_option(label=f"Week 6: {track.modules.get(week=6).title}")
    form.get_by_label("Reason").select_option("stabilization")
    form.get_by_label(re.compile("^Note")).fill(PACING_NOTE)
    assert_accessible(page)
    form.get_by_role("button", name="Hold this week").click()

    expect(page.get_by_text("Week 6 is held until you lift the hold.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#pacing$"))
    held = page.locator(".pacing-schedule__row--held")
    expect(held).to_have_count(1)
    expect(held.get_by_role("rowheader")).to_have_text("6")
    expect(page.locator(".pacing-history")).to_contain_text(PACING_NOTE)
    assert_accessible(page)

    notes = page.locator("#notes")
    notes.get_by_text("Write a note", exact=True).click()
    notes.get_by_label("Kind").select_option("session")
    notes.get_by_label(label("Note")).fill(NOTE_TEXT)
    notes.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Draft saved. Sign it when it is ready.")).to_be_visible()
    page.locator("#notes").get_by_role("button", name="Sign this note").click()
    expect(page.get_by_text(re.compile("^Note signed."))).to_be_visible()
    assert_accessible(page)
    note = ProgressNote.objects.get()
    assert (note.status, note.text) == ("signed", NOTE_TEXT)
    assert PacingAction.objects.get().note == PACING_NOTE

    sign_out(page)
    sign_in(page, client.email, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("courses:dashboard")) + "$"))
    expect(page.get_by_text(re.compile("^Your next week opens on"))).to_be_visible()
    assert_accessible(page)
    home = page.content()
    page.goto(reverse("courses:program_map"))
    expect(
        page.get_by_role("listitem")
        .filter(has_text="Week 6")
        .get_by_text("Waiting: your clinician is holding this week for now")
    ).to_be_visible()
    assert_accessible(page)
    for text in (home, page.content()):
        assert "CANARY" not in text and "Stabilization" not in text
    assert page_problems == []
