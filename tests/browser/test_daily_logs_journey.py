"""A client on a phone-sized screen (390 px), with axe on every page: he logs a strong urge in
three taps, is offered a next step, records a lapse on its own, walks its chain analysis by
tapping and typing, finishes it and reads the next steps; every option he taps is at least 44 px
square, and the options wrap inside the screen."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import Role
from daily.models import Lapse, UrgeLog
from tests.factories import PASSWORD, UserFactory

from .helpers import assert_accessible, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _assert_thumb_sized(page, selector: str) -> None:
    """Every option under `selector` is at least 44x44 px and inside the 390 px screen."""
    boxes = page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [r.width, r.height, r.right]; })"
    )
    assert boxes, selector
    for width, height, right in boxes:
        assert width >= 44 and height >= 44, (selector, width, height)
        assert right <= PHONE["width"], (selector, right)


def test_a_client_logs_an_urge_and_looks_at_a_lapse_with_one_thumb(page, page_problems):
    person = UserFactory(role=Role.CLIENT, preferred_name="Jordan")
    page.set_viewport_size(PHONE)
    sign_in(page, person.email, PASSWORD)

    page.goto(reverse("daily:urge"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log an urge")
    _assert_thumb_sized(page, ".logs-option__text")
    assert_accessible(page)
    page.get_by_role("group", name="How strong is it?").get_by_text("8", exact=True).click()
    page.get_by_text("Chest", exact=True).click()
    page.get_by_text("Let it pass", exact=True).click()
    expect(page.get_by_role("radio", name="8", exact=True)).to_be_checked()
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_role("status").filter(has_text="Well noticed")).to_be_visible()
    next_steps = page.locator(".logs-next")
    expect(next_steps.get_by_role("link", name="Open my safety plan")).to_be_visible()
    expect(page.locator(".logs-recent")).to_contain_text("8 out of 10, chest.")
    assert_accessible(page)
    urge = UrgeLog.objects.get(client=person)
    assert (urge.intensity, urge.where, urge.did) == (8, "chest", "waited")

    page.goto(reverse("daily:lapse_new"))
    expect(page.get_by_text("A lapse is information")).to_be_visible()
    expect(page.get_by_role("radio", name="Today")).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Record it and go on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Looking at what happened")
    page.get_by_label("What was happening?").fill("Home alone after a long shift")
    page.get_by_role("group", name="Which part was loudest?").get_by_text("Teenager").click()
    page.get_by_role("group", name="Where in the cycle").get_by_text("Overwhelm").click()
    page.get_by_label("What will you try next time?").fill("Text Sam early")
    _assert_thumb_sized(page, ".logs-option__text")
    assert_accessible(page)
    page.get_by_role("button", name="Save and finish").click()
    expect(page.get_by_text("Thank you for looking at this. It is saved.")).to_be_visible()
    next_steps = page.locator(".logs-next")
    expect(next_steps.get_by_role("link", name="Do a grounding practice")).to_be_visible()
    expect(next_steps.get_by_role("link", name="Support for right now")).to_be_visible()
    assert_accessible(page)
    lapse = Lapse.objects.get(client=person)
    assert (lapse.part, lapse.stage, lapse.next_time) == ("teenager", "overwhelm", "Text Sam early")
    assert lapse.completed_at is not None
    assert not page_problems
