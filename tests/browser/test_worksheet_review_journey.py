"""Worksheet review in a real browser, with axe on every page: a clinician proves their second
factor, finds a client's submitted worksheet waiting for review on the record, reads the version
and the changes from the one before, is told clearly when a reply is empty, replies; the client
follows the discreet message's link and reads the reply under that version in My work."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from courses.models import LessonKind, ModuleRelease
from courses.services.worksheets import worksheet_save_draft, worksheet_submit
from courses.worksheets import version_anchor
from notifications.models import Kind, Notification
from tests.conftest import give_totp
from tests.factories import (
    PASSWORD,
    CareAssignmentFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

from .helpers import assert_accessible, enter_totp_code, label, path_is, sign_in, sign_out

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret
DRAFT_WORDS = "a draft the care team never sees"
REPLY = "Thank you for noticing this. We can look at it together next time."


def test_a_clinician_reads_a_version_and_replies_and_the_client_reads_the_reply(
    page, page_problems
):
    person = UserFactory(role=Role.CLIENT, preferred_name="Robin")
    clinician = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Vega")
    give_totp(clinician)
    CareAssignmentFactory(clinician=clinician, client=person)
    track = make_track(weeks=1, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=person, track=track, start_date=timezone.now().date())
    module = track.modules.get()
    ModuleRelease.objects.create(enrollment=enrollment, module=module, reason="schedule")
    lesson = module.lessons.get(kind=LessonKind.WORKSHEET)
    now = timezone.now()
    for words in ("I go quiet when I am tired", "I go quiet and start fixing things"):
        version = worksheet_submit(
            enrollment=enrollment, lesson=lesson, answers={"warning-signs": words},
            acting_user=person, now=now,
        )  # fmt: skip
    worksheet_save_draft(
        enrollment=enrollment, lesson=lesson, answers={"warning-signs": DRAFT_WORDS},
        acting_user=person, now=now,
    )  # fmt: skip

    # The clinician: password, then the authenticator code.
    sign_in(page, clinician.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.goto(reverse("care:client_detail", args=[person.pk]))
    worksheets = page.locator("#worksheets")
    expect(worksheets.get_by_text("2 waiting for review")).to_be_visible()
    expect(worksheets).not_to_contain_text(DRAFT_WORDS)
    worksheets.get_by_text("Changes since version 1").click()
    expect(worksheets.locator(".ws-fields ins").first).to_contain_text("start fixing things")
    assert_accessible(page)

    worksheets.get_by_role("link", name="Version 2").click()
    version_url = reverse("care:worksheet_version", args=[person.pk, version.pk])
    expect(page).to_have_url(path_is(version_url, fragment=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{lesson.title}: version 2")
    expect(page.locator(".ws-fields del").first).to_contain_text("when I am tired")
    assert_accessible(page)

    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Please write a reply before sending it.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(label("Your reply")).fill(REPLY)
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was saved.")).to_be_visible()
    expect(page.locator("#replies")).to_contain_text(REPLY)
    assert_accessible(page)
    sign_out(page)

    # The client follows the message's link and lands on the version in My work.
    message = Notification.objects.get(user=person, kind=Kind.FEEDBACK_READY)
    sign_in(page, person.email, PASSWORD)
    page.goto(reverse("notifications:link", args=[message.link_token]))
    expect(page).to_have_url(path_is(reverse("courses:my_work"), fragment=True))
    anchor = version_anchor(version.pk)
    assert page.url.endswith(f"#{anchor}")
    item = page.locator(f"#{anchor}")
    expect(item).to_contain_text("From your care team")
    expect(item).to_contain_text(REPLY)
    expect(item).not_to_contain_text("Dr. Vega")
    assert_accessible(page)
    assert page_problems == []
