"""The demo client's week in a real browser: this week's module, a SUDS-rated lesson, a worksheet
with autosave, My work, progress, the program map and locked weeks; and stepping back with
"Not today" on a trauma-intense week.

Both tests run `seed_demo` (idempotent), which loads the curriculum and enrolls
client@example.com in a cohort that began three weeks ago on `core-12`: weeks 1-4 are open and
weeks 5-12 are locked.
"""

import io
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import dateformat, timezone
from playwright.sync_api import expect

from courses.models import Enrollment, Lesson, Module, ModuleRelease
from courses.schedule import module_due_at
from courses.worksheets import MAX_TEXTAREA
from ehab.management.commands.seed_demo import DEMO_PASSWORD

from .helpers import assert_accessible, label, path_is

pytestmark = pytest.mark.browser

DEMO_CLIENT = "client@example.com"
TRACK = "core-12"
THIS_WEEK = 4  # the cohort began three weeks ago
NOT_FOUND = "We could not find that page"
PROGRESS_RE = re.compile(r"^(\d+) of (\d+)$")
# Long enough for htmx's 1.5 s autosave delay plus the request on a busy machine.
AUTOSAVE_TIMEOUT_MS = 10_000


def seed_demo() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def sign_in(page, email: str, password: str) -> None:
    page.goto(reverse("account_login"))
    page.get_by_label(label("Email")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(path_is(reverse("courses:dashboard")))


def week(number: int) -> Module:
    return Module.objects.get(track__slug=TRACK, week=number, retired_at__isnull=True)


def lessons_of(module: Module) -> list[Lesson]:
    return list(module.lessons.filter(retired_at__isnull=True).order_by("order"))


def progress_figure(page) -> tuple[int, int]:
    figure = page.locator("#progress-figure")
    expect(figure).to_have_text(PROGRESS_RE)
    done, total = PROGRESS_RE.match(figure.inner_text().strip()).groups()
    return int(done), int(total)


def lesson_row(page, lesson: Lesson):
    """The module page's list item for `lesson`."""
    link = page.get_by_role("link", name=lesson.title, exact=True)
    return page.get_by_role("listitem").filter(has=link)


def pass_content_note_if_shown(page, module: Module) -> bool:
    """A trauma-intense week opens on its content note the first time; choose to begin."""
    if not module.trauma_intense:
        return False
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you begin this week")
    expect(page.get_by_text(module.content_note.strip()[:60])).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="I'm ready to begin").click()
    expect(page).to_have_url(path_is(reverse("courses:module", args=[module.pk])))
    return True


def worksheet_lesson_for(this_week: Module) -> Lesson:
    """A worksheet whose first answer is a textarea, in this week if it has one, else in an
    earlier open week that needs no content note (so the lesson opens directly)."""
    released = ModuleRelease.objects.filter(
        enrollment__client__email=DEMO_CLIENT, module__track__slug=TRACK
    ).values_list("module_id", flat=True)
    candidates = [
        lesson
        for lesson in Lesson.objects.filter(module_id__in=released, retired_at__isnull=True)
        .select_related("module")
        .order_by("module__week", "order")
        if lesson.has_worksheet
        and lesson.prompts[0].get("kind", "textarea") == "textarea"
        and (lesson.module_id == this_week.pk or not lesson.module.trauma_intense)
    ]
    assert candidates, "no open week has a worksheet with a textarea"
    return min(candidates, key=lambda lesson: lesson.module_id != this_week.pk)


def test_the_demo_client_works_through_this_weeks_module(page, page_problems):
    seed_demo()
    this_week = week(THIS_WEEK)
    this_weeks_lessons = lessons_of(this_week)
    suds_lesson = next(
        (lesson for lesson in this_weeks_lessons if lesson.suds and lesson.required), None
    )
    assert suds_lesson is not None, f"week {THIS_WEEK} has no required lesson that asks for SUDS"
    worksheet_lesson = worksheet_lesson_for(this_week)
    answer = "When someone gets close I go quiet and start fixing things. Noticing it today."
    module_url = reverse("courses:module", args=[this_week.pk])

    sign_in(page, DEMO_CLIENT, DEMO_PASSWORD)

    # Home: progress so far, and this week is week 4.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    done_before, total = progress_figure(page)
    assert total > 0
    this_week_card = page.locator(".card").filter(has_text="This week")
    expect(
        this_week_card.get_by_text(re.compile(r"^This week")),
        "'This week' is the newest open week (the cohort's week), not the oldest unfinished one",
    ).to_have_text(f"This week · Week {THIS_WEEK}")
    expect(this_week_card.get_by_role("heading", level=2)).to_have_text(this_week.title)
    assert_accessible(page)

    # This week's module, through its content note if the week is trauma-intense.
    this_week_card.get_by_role("link", name="See this week").click()
    pass_content_note_if_shown(page, this_week)
    expect(page).to_have_url(path_is(module_url))
    expect(page.get_by_role("heading", level=1)).to_have_text(this_week.title)
    expect(page.get_by_text(f"Week {THIS_WEEK}", exact=True)).to_be_visible()
    expect(lesson_row(page, suds_lesson)).to_contain_text("Not started")
    assert_accessible(page)

    # A lesson that asks for SUDS: rate before, begin, rate after, mark as done.
    lesson_row(page, suds_lesson).get_by_role("link", name=suds_lesson.title, exact=True).click()
    expect(page).to_have_url(path_is(reverse("courses:lesson", args=[suds_lesson.pk])))
    expect(page.get_by_role("heading", level=1)).to_have_text(suds_lesson.title)
    before = page.get_by_role("group", name=re.compile(r"^Before you begin"))
    before.get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Begin", exact=True).click()
    expect(page.get_by_role("group", name=re.compile(r"^Before you begin"))).to_have_count(0)
    after = page.get_by_role("group", name=re.compile(r"^And now"))
    after.get_by_role("radio", name="3", exact=True).check()
    page.get_by_role("button", name="Mark as done").click()

    expect(page).to_have_url(path_is(module_url))
    expect(page.get_by_role("status")).to_contain_text("Marked as done")
    expect(lesson_row(page, suds_lesson).get_by_text("Done", exact=True)).to_be_visible()

    # A worksheet: type, let htmx autosave the draft, then submit it as version 1.
    worksheet_url = reverse("courses:lesson", args=[worksheet_lesson.pk])
    page.goto(reverse("courses:module", args=[worksheet_lesson.module_id]))
    lesson_row(page, worksheet_lesson).get_by_role(
        "link", name=worksheet_lesson.title, exact=True
    ).click()
    expect(page).to_have_url(path_is(worksheet_url))
    worksheet = page.get_by_role("region", name="Your worksheet")
    first_answer = worksheet.get_by_label(label(worksheet_lesson.prompts[0]["label"]))
    expect(worksheet.get_by_role("textbox").first).to_have_attribute(
        "name", f"answer_{worksheet_lesson.prompts[0]['key']}"
    )
    first_answer.press_sequentially(answer)
    expect(worksheet.get_by_role("status")).to_contain_text(
        "Draft saved at", timeout=AUTOSAVE_TIMEOUT_MS
    )
    assert_accessible(page)
    worksheet.get_by_role("button", name="Submit worksheet").click()

    expect(page).to_have_url(path_is(worksheet_url))
    saved = page.get_by_role("status").filter(has_text="Saved as version")
    expect(saved).to_contain_text("version 1")
    expect(page.get_by_role("region", name="Your worksheet")).to_contain_text(
        "You submitted version 1"
    )

    # My work: the answer under its week.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page).to_have_url(path_is(reverse("courses:my_work")))
    module = worksheet_lesson.module
    week_section = page.locator("section").filter(
        has=page.get_by_role("heading", name=f"Week {module.week}: {module.title}", exact=True)
    )
    expect(week_section).to_have_count(1)
    expect(week_section.get_by_role("heading", level=3)).to_contain_text(worksheet_lesson.title)
    expect(week_section.get_by_role("definition").first).to_have_text(answer)
    assert_accessible(page)

    # Home again: the lesson marked done and the worksheet's lesson (submitting it completes
    # it) count, if required.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page).to_have_url(path_is(reverse("courses:dashboard")))
    done_after, total_after = progress_figure(page)
    finished = {lesson.pk for lesson in (suds_lesson, worksheet_lesson) if lesson.required}
    assert (done_after, total_after) == (done_before + len(finished), total), (
        done_before,
        done_after,
    )

    # The program map: week 5 is locked and says when it opens.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your program").click()
    expect(page).to_have_url(path_is(reverse("courses:program_map")))
    week_5 = week(5)
    enrollment = Enrollment.objects.select_related("track", "client").get(
        client__email=DEMO_CLIENT, track__slug=TRACK
    )
    opens = timezone.localtime(
        module_due_at(enrollment=enrollment, module=week_5),
        zoneinfo.ZoneInfo(enrollment.client.timezone),
    )
    week_5_item = page.get_by_role("listitem").filter(has=page.get_by_text("Week 5", exact=True))
    expect(week_5_item).to_contain_text(week_5.title)
    expect(week_5_item).to_contain_text(
        f"Opens {dateformat.format(opens, 'D, M j')} at {dateformat.time_format(opens, 'g:i A')}"
    )
    expect(week_5_item.get_by_role("link")).to_have_count(0)
    week_4_item = page.get_by_role("listitem").filter(
        has=page.get_by_text(f"Week {THIS_WEEK}", exact=True)
    )
    expect(week_4_item.get_by_role("link", name=this_week.title)).to_be_visible()
    assert_accessible(page)

    # A locked week and its lessons are not found, even by typing the address.
    week_5_lesson = lessons_of(week_5)[0]
    for url in (
        reverse("courses:module", args=[week_5.pk]),
        reverse("courses:lesson", args=[week_5_lesson.pk]),
    ):
        response = page.goto(url)
        assert response.status == 404, (url, response.status)
        expect(page.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
        expect(page.get_by_text(week_5.title)).to_have_count(0)
        expect(page.get_by_text(week_5_lesson.title)).to_have_count(0)

    assert page_problems == []


def test_a_client_can_step_back_with_not_today(page, page_problems):
    seed_demo()
    intense = next((m for m in (week(3), week(4)) if m.trauma_intense), None)
    assert intense is not None, "neither week 3 nor week 4 of core-12 is trauma-intense"
    lesson = lessons_of(intense)[0]
    lesson_url = reverse("courses:lesson", args=[lesson.pk])

    sign_in(page, DEMO_CLIENT, DEMO_PASSWORD)
    page.goto(reverse("courses:module", args=[intense.pk]))
    pass_content_note_if_shown(page, intense)
    lesson_row(page, lesson).get_by_role("link", name=lesson.title, exact=True).click()
    expect(page).to_have_url(path_is(lesson_url))
    expect(page.get_by_text("Stepping back is a skill, not a failure.")).to_be_visible()

    page.get_by_role("button", name="Not today").click()

    expect(page).to_have_url(path_is(reverse("courses:dashboard")))
    expect(page.get_by_role("status")).to_have_text(
        "That's fine. This lesson will be here when you're ready, and nothing is lost."
    )

    # Nothing is lost: the week still lists the lesson, not done, and it opens as before.
    page.goto(reverse("courses:module", args=[intense.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(intense.title)
    expect(lesson_row(page, lesson).get_by_text("Done", exact=True)).to_have_count(0)
    lesson_row(page, lesson).get_by_role("link", name=lesson.title, exact=True).click()
    expect(page).to_have_url(path_is(lesson_url))
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
    expect(page.get_by_role("button", name="Mark as done")).to_be_visible()
    expect(page.get_by_role("button", name="Not today")).to_be_visible()
    assert page_problems == []


def test_an_autosave_that_fails_says_so_and_keeps_the_words(page, page_problems):
    """A refused answer and a dropped connection both say "Not saved yet", never a stale "Draft
    saved", and what the client typed stays on the page."""
    seed_demo()
    this_week = week(THIS_WEEK)
    worksheet_lesson = worksheet_lesson_for(this_week)
    prompt = worksheet_lesson.prompts[0]
    sign_in(page, DEMO_CLIENT, DEMO_PASSWORD)
    page.goto(reverse("courses:module", args=[worksheet_lesson.module_id]))
    pass_content_note_if_shown(page, worksheet_lesson.module)
    page.goto(reverse("courses:lesson", args=[worksheet_lesson.pk]))
    worksheet = page.get_by_role("region", name="Your worksheet")
    answer = worksheet.get_by_label(label(prompt["label"]))
    status = worksheet.get_by_role("status")

    answer.press_sequentially("A first line that saves.")
    expect(status).to_contain_text("Draft saved at", timeout=AUTOSAVE_TIMEOUT_MS)

    # Longer than the server keeps: refused with a 400 and its reason.
    too_long = "x" * (MAX_TEXTAREA + 1)
    answer.fill(too_long)
    expect(status).to_contain_text("Not saved yet", timeout=AUTOSAVE_TIMEOUT_MS)
    expect(status).to_contain_text(f"the limit is {MAX_TEXTAREA:,}")
    expect(status).not_to_contain_text("Draft saved")
    assert_accessible(page)

    # The connection drops: the page says so and keeps the words.
    answer.fill("Words typed while offline.")
    page.route("**/worksheet/draft/", lambda route: route.abort())
    answer.press_sequentially(" Still typing.")
    expect(status).to_contain_text("Not saved yet", timeout=AUTOSAVE_TIMEOUT_MS)
    expect(status).to_contain_text("still on this page")
    expect(answer).to_have_value("Words typed while offline. Still typing.")

    # Back online: the next keystroke saves.
    page.unroute("**/worksheet/draft/")
    answer.press_sequentially(" Back.")
    expect(status).to_contain_text("Draft saved at", timeout=AUTOSAVE_TIMEOUT_MS)
    assert page_problems == []
