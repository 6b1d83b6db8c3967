"""Questionnaires in a real browser on a phone-sized screen, axe on every page: a new client
finds the PHQ-9 waiting on home, answers it with item 9 above 0 and lands at once on crisis help
(988 call and text, 911) and his own safety plan, never a "thank you", with a flag raised for
the care team; then he
answers the GAD-7, reads his own score in plain words with its chart and table, and his
clinician sees both on the record's Measures section."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from care.models import RiskFlag
from care.services import safety_plan_save
from measures.instruments import instruments_load, read_instruments
from measures.models import Administration
from notifications.models import Kind, Notification
from tests.conftest import give_totp
from tests.factories import (
    PASSWORD,
    CareAssignmentFactory,
    EnrollmentFactory,
    UserFactory,
    make_track,
)

from .helpers import assert_accessible, enter_totp_code, sign_in, sign_out

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret


def question(page, number: int):
    return page.get_by_role("group", name=re.compile(rf"^{number}\. "))


def test_item_nine_brings_help_at_once_and_scores_read_gently(page, page_problems):
    instruments_load(read_instruments())
    person = UserFactory(role=Role.CLIENT, preferred_name="Sam")
    clinician = UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Reyes")
    give_totp(clinician)
    CareAssignmentFactory(clinician=clinician, client=person)
    track = make_track(weeks=3, lessons_per_module=1, trauma_weeks=())
    # The live server and Chromium keep the real clock: the history starts from it, read once.
    now = timezone.now()
    EnrollmentFactory(client=person, track=track, start_date=now.date(), created_at=now)
    safety_plan_save(
        client=person,
        sections={"coping": "Walk the dog around the block.", "ask_for_help": "Call my brother."},
        now=now,
    )

    sign_in(page, person.email, PASSWORD)
    card = page.locator(".measure-due")
    expect(card).to_contain_text("A few short questions")
    assert_accessible(page)
    card.get_by_role("link", name="Answer the PHQ-9").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
    assert_accessible(page)
    # Leaving one out is named, and nothing is stored.
    page.get_by_role("button", name="Save my answers").click()
    expect(page.locator(".field-error").first).to_have_text(
        "Please choose one answer for this question."
    )
    assert not Administration.objects.exists()
    for number in range(1, 9):
        question(page, number).get_by_label("Several days").check()
    question(page, 9).get_by_label("Several days").check()
    page.get_by_role("button", name="Save my answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You don't have to hold this alone")
    expect(page.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(page.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(page.get_by_role("link", name="Emergency: call 911")).to_be_visible()
    expect(page.get_by_text("We have sent your care team an alert")).to_be_visible()
    expect(page.get_by_text("Thank you")).to_have_count(0)
    plan = page.locator(".safety-plan")
    expect(plan.get_by_role("heading", name="Your safety plan")).to_be_visible()
    expect(plan).to_contain_text("Walk the dog around the block.")
    expect(plan).to_contain_text("Call my brother.")
    assert_accessible(page)
    flag = RiskFlag.objects.get(client=person)
    assert flag.source == RiskFlag.Source.MEASURE
    assert Notification.objects.filter(kind=Kind.RISK_ALERT, user=clinician).count() == 1

    page.goto("/me/measures/")
    page.get_by_role("link", name="Answer the GAD-7").click()
    for number in range(1, 8):
        question(page, number).get_by_label("Not at all").check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Thank you. Your answers are saved.")).to_be_visible()
    expect(page.get_by_text("Nothing to answer right now.")).to_be_visible()
    gad = page.locator(".measure-history", has_text="GAD-7")
    expect(gad).to_contain_text("0 of 21")
    expect(gad).to_contain_text("Few signs of anxiety right now.")
    phq = page.locator(".measure-history", has_text="PHQ-9")
    expect(phq).to_contain_text("9 of 27")
    expect(page.get_by_role("table", name="Your PHQ-9 answers, newest first")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, clinician.email, PASSWORD)
    enter_totp_code(page, SECRET)
    row = page.locator("table.caseload tbody tr").first
    expect(row).to_contain_text("Sam")
    expect(row).to_contain_text("PHQ-9 9 (mild)")
    row.get_by_role("link", name="Sam").click()
    section = page.locator("#measures")
    expect(section).to_contain_text("Risk item answered above 0.")
    expect(section.get_by_role("img", name="PHQ-9 totals over time")).to_have_count(1)
    expect(section.get_by_role("table", name=re.compile("^GAD-7 answers"))).to_be_visible()
    assert_accessible(page)
    section.get_by_label("Ask every").select_option("28")
    section.get_by_role("button", name="Save interval").click()
    expect(page.get_by_text("Questionnaires every 28 days.")).to_be_visible()
    expect(page.locator("#measures")).to_contain_text("Asked every 28 days (set for this client)")
    assert not page_problems
