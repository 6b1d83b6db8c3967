"""A client who is not safe, in a real browser with axe on every page: he taps "I'm not safe right
now" and sees 988 and 911 at once, what his care team has been told and his own safety plan;
his clinician, after
their second factor, finds him first on the caseload, opens the flag from the alert's page,
acknowledges it and resolves it with what they did; the trauma-intense week held meanwhile opens."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from care.models import RiskFlag, SafetyPlan
from care.services import safety_plan_save
from courses.models import ModuleRelease, PacingAction, PacingReason
from notifications.models import Kind, Notification
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

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret


def test_not_safe_right_now_brings_help_and_the_clinician_follows_it_up(page, page_problems):
    person = UserFactory(role=Role.CLIENT, preferred_name="Jordan")
    clinician = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Reyes")
    give_totp(clinician)
    CareAssignmentFactory(clinician=clinician, client=person)
    track = make_track(weeks=3, lessons_per_module=1, trauma_weeks=(2,))
    # The live server and Chromium keep the real clock: the history starts from it, read once.
    now = timezone.now()
    enrollment = EnrollmentFactory(client=person, track=track, start_date=now.date())
    ModuleRelease.objects.create(
        enrollment=enrollment, module=track.modules.get(week=1), reason="schedule"
    )
    safety_plan_save(
        client=person,
        sections={"coping": "Cold water on my face, then a walk", "ask_for_help": "Sam: 555-0100"},
        now=now,
    )

    sign_in(page, person.email, PASSWORD)
    page.get_by_role("button", name="I'm not safe right now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You don't have to hold this alone")
    expect(page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(page.get_by_role("link", name="Emergency: call 911")).to_be_visible()
    expect(page.get_by_text("We have sent your care team an alert")).to_be_visible()
    plan = page.locator(".safety-plan")
    expect(plan.get_by_role("heading", name="Your safety plan")).to_be_visible()
    expect(plan).to_contain_text("Cold water on my face, then a walk")
    expect(plan).to_contain_text("Sam: 555-0100")
    expect(plan).to_contain_text("Suicide & Crisis Lifeline")
    assert_accessible(page)
    flag = RiskFlag.objects.get(client=person)
    assert Notification.objects.filter(kind=Kind.RISK_ALERT, user=clinician).count() == 1
    assert PacingAction.objects.filter(
        enrollment=enrollment, reason_code=PacingReason.SAFETY_REVIEW, module__week=2
    ).exists()
    sign_out(page)

    sign_in(page, clinician.email, PASSWORD)
    enter_totp_code(page, SECRET)
    first_row = page.locator("table.caseload tbody tr").first
    expect(first_row).to_contain_text("Jordan")
    expect(first_row).to_contain_text("Safety flag open")
    assert_accessible(page)
    first_row.get_by_role("link", name="1 open").click()
    card = page.locator(".flag").first
    expect(card).to_contain_text("Jordan")
    expect(card).to_contain_text("The client said they are not safe")
    assert_accessible(page)
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged. It will not escalate.")).to_be_visible()
    card = page.locator(".flag").first
    card.get_by_label(label("What you did")).select_option("contacted")
    card.get_by_label(label("Note (required for no action: say why)")).fill(
        "Called him; he is at his brother's tonight."
    )
    card.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Resolved. Thank you for following it up.")).to_be_visible()
    expect(page.locator(".risk-flags")).to_contain_text("Contacted the client")
    assert_accessible(page)
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by, flag.resolved_by) == (
        RiskFlag.Status.RESOLVED,
        clinician,
        clinician,
    )
    assert not PacingAction.objects.filter(
        reason_code=PacingReason.SAFETY_REVIEW, kind="hold", lifted_at__isnull=True
    ).exists()
    assert not page_problems


def test_a_client_writes_a_safety_plan_reads_it_and_can_print_it(page, page_problems):
    """From the help page to the plan: he writes it on his phone-sized screen, reads it back,
    and the page carries the stylesheet whose print rules hide the menus and buttons."""
    person = UserFactory(role=Role.CLIENT, preferred_name="Jordan")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, person.email, PASSWORD)
    page.goto(reverse("crisis"))
    page.get_by_role("link", name="My safety plan").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My safety plan")
    assert_accessible(page)
    page.get_by_role("link", name="Write my plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write my safety plan")
    page.get_by_label("What are the warning signs that pressure is building in me?").fill(
        "Scrolling late at night"
    )
    page.get_by_label("What are my reasons for getting through hard moments?").fill("My kids")
    assert_accessible(page)
    page.get_by_role("button", name="Save my plan").click()
    expect(page.get_by_text("Your plan is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="My warning signs")).to_be_visible()
    expect(page.get_by_text("Scrolling late at night")).to_be_visible()
    expect(page.get_by_role("heading", name="Professionals and 988")).to_be_visible()
    assert_accessible(page)
    assert SafetyPlan.objects.get(client=person).reasons == "My kids"
    # The print view: the stylesheet with its print rules is linked, and printing hides the
    # menus and buttons but keeps the plan.
    stylesheet = page.locator('link[rel="stylesheet"][href*="ehab"]')
    expect(stylesheet).to_have_count(1)
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Change my plan")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_text("Scrolling late at night")).to_be_visible()
    page.emulate_media(media="screen")
    assert not page_problems
