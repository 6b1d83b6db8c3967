"""The course player on a phone (390 x 844), in a real browser with axe on every page: the header
is one compact bar with "Need help now?" always in view and the menu behind a toggle; home's
"Continue" opens the earliest unfinished lesson; "Mark as done" offers "Continue to the next
lesson"; the program map shows each open week's progress bar and a done mark per lesson; My
ratings draws the client's SUDS; and a guided practice offers "Read aloud" only where the
browser can speak with a voice on the device."""

import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from courses.models import LessonKind, LessonProgress, ModuleRelease
from tests.factories import PASSWORD, EnrollmentFactory, LessonFactory, UserFactory, make_track

from .helpers import assert_accessible, path_is, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HEADER_SHARE = 0.15  # of the screen's height, at most

TRANSCRIPT = """Read the words below slowly.

## Transcript

Welcome. Let your feet rest on the floor. *(pause)*

Breathe out slowly, longer than you breathe in. *(long pause)*

Thank you for taking this time.

## After the practice

Rate how you feel again.
"""

# A stand-in for the browser's speech synthesis with one voice on the device: it records what it
# is asked to say and "finishes" each sentence at once. Installed before the page's own script.
FAKE_SPEECH = """
(() => {
  const voice = {name: "On this device", lang: "en-US", localService: true, default: true,
                 voiceURI: "device"};
  window.__spoken = [];
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
    getVoices: () => [voice],
    speak(utterance) {
      window.__spoken.push(utterance.text);
      setTimeout(() => utterance.onend && utterance.onend(), 30);
    },
    cancel() {},
    addEventListener() {},
  }});
})();
"""
NO_SPEECH = (
    """Object.defineProperty(window, "speechSynthesis", {configurable: true, value: undefined});"""
)


def _client_with_two_open_weeks():
    person = UserFactory(role=Role.CLIENT, preferred_name="Jordan")
    track = make_track(weeks=3, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=person, track=track, start_date=timezone.now().date())
    weeks = list(track.modules.order_by("week"))
    for module in weeks[:2]:
        ModuleRelease.objects.create(enrollment=enrollment, module=module, reason="schedule")
    return person, enrollment, weeks


def _header_is_compact_with_help_in_view(page):
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < PHONE["height"] * HEADER_SHARE, header
    expect(page.get_by_role("link", name="Need help now?")).to_be_in_viewport()
    expect(page.get_by_role("button", name="I'm not safe right now")).to_be_in_viewport()


def test_on_a_phone_the_client_finishes_a_lesson_and_carries_on(page, page_problems):
    person, enrollment, (week1, week2, week3) = _client_with_two_open_weeks()
    first, second, third = week1.lessons.order_by("order")
    page.set_viewport_size(PHONE)
    sign_in(page, person.email, PASSWORD)
    expect(page).to_have_url(path_is(reverse("courses:dashboard")))

    # The header: one compact bar; the menu folds away behind its toggle, and opens without
    # any script.
    _header_is_compact_with_help_in_view(page)
    menu = page.locator("details.site-menu")
    my_work = menu.locator("a", has_text="My work")
    expect(my_work).to_be_hidden()
    assert_accessible(page)
    menu.get_by_text("Menu").click()
    expect(my_work).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My work")
    ).to_be_visible()
    assert_accessible(page)
    menu.get_by_text("Menu").click()
    expect(my_work).to_be_hidden()

    # Home resumes at the earliest unfinished lesson: week 1's first, though week 2 is newer.
    card = page.locator(".card").filter(has_text="This week")
    expect(card).to_contain_text("This week · Week 2")
    card.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(path_is(reverse("courses:lesson", args=[first.pk])))
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    _header_is_compact_with_help_in_view(page)
    assert_accessible(page)

    # Done: the week says so and offers the next lesson.
    page.get_by_role("button", name="Mark as done").click()
    expect(page).to_have_url(path_is(reverse("courses:module", args=[week1.pk])))
    expect(page.get_by_role("status")).to_contain_text("Marked as done")
    up_next = page.get_by_role("region", name="Up next")
    expect(up_next).to_contain_text(second.title)
    assert_accessible(page)
    up_next.get_by_role("link", name="Continue to the next lesson").click()
    expect(page).to_have_url(path_is(reverse("courses:lesson", args=[second.pk])))
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)

    # The program map, through the menu: week 1's bar and its words, and lesson 1 marked done.
    page.locator("details.site-menu").get_by_text("Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your program").click()
    expect(page).to_have_url(path_is(reverse("courses:program_map")))
    week_1 = page.locator("li.week").filter(has=page.get_by_text("Week 1", exact=True))
    expect(week_1.locator(".progress__bar")).to_have_class(re.compile(r"progress__bar--33\b"))
    expect(week_1.locator(".progress--week")).to_be_visible()
    expect(week_1).to_contain_text("1 of 3 lessons done")
    done = week_1.locator(".map-lesson").filter(has=page.get_by_role("link", name=first.title))
    expect(done).to_contain_text("Done")
    not_done = week_1.locator(".map-lesson").filter(has=page.get_by_role("link", name=second.title))
    expect(not_done).not_to_contain_text("Done")
    expect(
        page.locator("li.week")
        .filter(has=page.get_by_text("Week 3", exact=True))
        .locator(".progress")
    ).to_have_count(0)
    _header_is_compact_with_help_in_view(page)
    assert_accessible(page)
    assert LessonProgress.objects.get(lesson=first, enrollment=enrollment).completed_at
    assert page_problems == []


def test_the_client_sees_their_own_ratings_as_a_chart_and_a_table(page, page_problems):
    person, enrollment, (week1, week2, _) = _client_with_two_open_weeks()
    now = timezone.now()
    for week, (before, after) in ((week1, (7, 3)), (week2, (6, 4))):
        practice = week.lessons.get(kind=LessonKind.PRACTICE)
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=practice, started_at=now, completed_at=now,
            suds_before=before, suds_after=after,
        )  # fmt: skip
    page.set_viewport_size(PHONE)
    sign_in(page, person.email, PASSWORD)
    page.goto(reverse("courses:program_map"))
    page.get_by_role("link", name="My ratings, before and after each lesson").click()
    expect(page).to_have_url(path_is(reverse("courses:my_suds")))
    expect(
        page.get_by_role("img", name="Your ratings before and after each lesson")
    ).to_be_visible()
    table = page.get_by_role("table", name=re.compile("^Your ratings by lesson"))
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two lessons
    expect(table.get_by_role("row").nth(1)).to_contain_text("7")
    _header_is_compact_with_help_in_view(page)
    assert_accessible(page)
    assert page_problems == []


def _guided_practice(enrollment, week):
    return LessonFactory(
        module=week, order=9, kind=LessonKind.AUDIO, title="Feet on the floor", body=TRANSCRIPT,
        suds=False,
    )  # fmt: skip


def _wait_until_spoken(page, sentences: int, *, timeout_s: float = 10.0) -> list[str]:
    """What the fake voice has been asked to say, once it is at least `sentences` long (polled:
    the page's CSP forbids the eval behind page.wait_for_function)."""
    deadline = time.monotonic() + timeout_s
    while len(spoken := page.evaluate("window.__spoken")) < sentences:
        assert time.monotonic() < deadline, f"only {spoken!r} was said"
        page.wait_for_timeout(50)
    return spoken


def test_a_guided_practice_is_read_aloud_with_the_devices_own_voice(page, page_problems):
    person, enrollment, (week1, _, _) = _client_with_two_open_weeks()
    lesson = _guided_practice(enrollment, week1)
    page.context.add_init_script(FAKE_SPEECH)
    page.set_viewport_size(PHONE)
    sign_in(page, person.email, PASSWORD)
    page.goto(reverse("courses:lesson", args=[lesson.pk]))

    expect(page.get_by_text("Read aloud uses a voice built into your device")).to_be_visible()
    play = page.get_by_role("button", name="Read aloud")
    stop = page.get_by_role("button", name="Stop")
    expect(stop).to_be_disabled()
    assert_accessible(page)
    play.click()
    pause = page.get_by_role("button", name="Pause")
    expect(pause).to_be_visible()
    expect(page.locator("[data-read-aloud-status]")).to_have_text("Reading aloud.")
    # It says the transcript's sentences and rests at "(pause)" rather than saying it.
    _wait_until_spoken(page, 2)
    pause.click()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    expect(page.locator("[data-read-aloud-status]")).to_have_text("Paused.")
    page.get_by_role("button", name="Resume").click()
    _wait_until_spoken(page, 3)
    stop.click()
    expect(page.get_by_role("button", name="Read aloud")).to_be_focused()
    expect(page.locator("[data-read-aloud-status]")).to_have_text("Stopped.")
    spoken = page.evaluate("window.__spoken")
    assert spoken[:3] == [
        "Welcome.",
        "Let your feet rest on the floor.",
        "Breathe out slowly, longer than you breathe in.",
    ], spoken
    assert not any("pause" in sentence.lower() for sentence in spoken), spoken
    assert not any("Rate how you feel" in sentence for sentence in spoken), spoken
    assert_accessible(page)
    assert page_problems == []


def test_without_speech_in_the_browser_read_aloud_is_not_offered(page, page_problems):
    person, enrollment, (week1, _, _) = _client_with_two_open_weeks()
    lesson = _guided_practice(enrollment, week1)
    page.context.add_init_script(NO_SPEECH)
    sign_in(page, person.email, PASSWORD)
    page.goto(reverse("courses:lesson", args=[lesson.pk]))
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    expect(page.get_by_text("Thank you for taking this time.")).to_be_visible()
    expect(page.get_by_role("button", name="Read aloud")).to_have_count(0)
    expect(page.get_by_text("Read aloud uses a voice built into your device")).to_be_hidden()
    assert page_problems == []


@pytest.mark.parametrize("width", [320, 360])
def test_on_a_small_phone_the_header_fits_without_sideways_scrolling(page, page_problems, width):
    person, _, _ = _client_with_two_open_weeks()
    page.set_viewport_size({"width": width, "height": 640})
    sign_in(page, person.email, PASSWORD)
    expect(page).to_have_url(path_is(reverse("courses:dashboard")))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for name in ("Need help now?",):
        expect(page.get_by_role("link", name=name)).to_be_in_viewport(ratio=1)
    expect(page.locator("details.site-menu > summary")).to_be_in_viewport(ratio=1)
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 640 * 0.2, header
    assert page_problems == []
