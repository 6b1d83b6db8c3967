"""The client's course pages: access, content notes, progress, worksheets, query budgets."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from audit.selectors import audit_denials_counted
from courses.models import LessonKind, LessonProgress, ModuleRelease, WorksheetResponse
from courses.services.releases import enrollment_release_due_modules
from tests.factories import EnrollmentFactory, make_track

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # weeks 1-4 of a Nov 2 start are due


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def track(db):
    return make_track(weeks=12, lessons_per_module=4, trauma_weeks=(3,))


@pytest.fixture
def enrolled_a(track, client_a):
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)
    return enrollment


@pytest.fixture
def enrolled_b(track, client_b):
    return EnrollmentFactory(client=client_b, track=track, start_date=date(2026, 11, 23))


def module(track, week):
    return track.modules.get(week=week)


def lesson_of(track, week, kind):
    return module(track, week).lessons.filter(kind=kind).first()


def test_home_shows_this_week_the_next_step_and_the_next_unlock(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    body = client.get(reverse("courses:dashboard")).content.decode()
    week4 = module(enrolled_a.track, 4)
    assert "This week · Week 4" in body and week4.title in body
    # The next step is the earliest unfinished lesson of the open weeks: week 1's first.
    week1_first = module(enrolled_a.track, 1).lessons.order_by("order").first()
    assert f'href="{reverse("courses:lesson", args=[week1_first.pk])}">Continue</a>' in body
    assert "0 of 48" in body  # every required lesson of the 12 weeks
    assert "Your next week opens on" in body
    assert "Monday, November 30 at 6:00 AM" in body


def test_opening_home_releases_what_is_due_lazily(client, enrolled_b, signed_in):
    assert not ModuleRelease.objects.filter(enrollment=enrolled_b).exists()
    signed_in(enrolled_b.client)
    client.get(reverse("courses:dashboard"))
    assert list(
        ModuleRelease.objects.filter(enrollment=enrolled_b).values_list("module__week", flat=True)
    ) == [1]


def test_the_program_map_shows_open_and_locked_weeks_with_dates(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    body = client.get(reverse("courses:program_map")).content.decode()
    assert body.count("week--released") == 4
    assert body.count("week--locked") == 8
    assert "Opens Mon, Nov 30 at 6:00 AM" in body


def _hold(enrollment, week, clinician):
    from courses.services.pacing import pacing_hold

    pacing_hold(
        enrollment=enrollment, reason_code="stabilization",
        author=clinician, module=module(enrollment.track, week), now=NOW,
    )  # fmt: skip


def test_a_held_week_says_it_is_waiting_instead_of_an_opening_time_in_the_past(
    client, track, client_a, clinician, signed_in
):
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=enrollment, now=datetime(2026, 11, 10, tzinfo=UTC))
    _hold(enrollment, 3, clinician)  # week 3 was due on Nov 16; it is now Nov 23
    signed_in(client_a)
    home = client.get(reverse("courses:dashboard")).content.decode()
    assert "Week 3 · Waiting: your clinician is holding this week for now" in home
    assert "November 16" not in home
    # The schedule goes on around a held week: week 4 is open, week 5 opens on its date.
    assert "Your next week, week 5, opens on" in home
    assert "Monday, November 30 at 6:00 AM" in home
    week_map = client.get(reverse("courses:program_map")).content.decode()
    assert "Waiting: your clinician is holding this week for now" in week_map
    assert "Opens Mon, Nov 16" not in week_map
    assert "Opens Mon, Nov 30 at 6:00 AM" in week_map  # week 5 keeps its date


def test_a_paused_program_or_billing_pause_says_why_new_weeks_wait(
    client, track, client_a, clinician, signed_in
):
    from courses.models import EnrollmentStatus
    from courses.services.releases import enrollment_hold_new_weeks

    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=enrollment, now=datetime(2026, 11, 10, tzinfo=UTC))
    # Billing held new weeks back (payments calls this when an account's content pauses).
    enrollment_hold_new_weeks(enrollment=enrollment, now=datetime(2026, 11, 12, tzinfo=UTC))
    signed_in(client_a)
    home = client.get(reverse("courses:dashboard")).content.decode()
    assert "Week 3 · Waiting on a billing matter. Everything already open stays open." in home
    type(enrollment).objects.filter(pk=enrollment.pk).update(
        new_weeks_held_for_billing=False, status=EnrollmentStatus.PAUSED
    )
    week_map = client.get(reverse("courses:program_map")).content.decode()
    # Resuming moves the schedule, so no locked week of a paused program promises a date.
    assert week_map.count("Waiting while your program is paused") == 10  # weeks 3 to 12
    assert "Opens " not in week_map
    home = client.get(reverse("courses:dashboard")).content.decode()
    assert "Your program is paused for now. Your next week will open when it resumes." in home
    assert "opens on" not in home


def test_a_locked_week_and_its_lessons_are_404(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    week5 = module(enrolled_a.track, 5)
    assert client.get(reverse("courses:module", args=[week5.pk])).status_code == 404
    for lesson in week5.lessons.all():
        assert client.get(reverse("courses:lesson", args=[lesson.pk])).status_code == 404
    assert audit_denials_counted() == 5


def test_another_client_gets_404_on_every_page_of_a_week_open_to_a(
    client, enrolled_a, enrolled_b, signed_in
):
    signed_in(enrolled_b.client)
    week2 = module(enrolled_a.track, 2)
    worksheet = lesson_of(enrolled_a.track, 2, LessonKind.WORKSHEET)
    urls = [
        ("get", reverse("courses:module", args=[week2.pk])),
        ("post", reverse("courses:module_ready", args=[week2.pk])),
        ("get", reverse("courses:lesson", args=[worksheet.pk])),
        ("post", reverse("courses:lesson_begin", args=[worksheet.pk])),
        ("post", reverse("courses:lesson_finish", args=[worksheet.pk])),
        ("post", reverse("courses:lesson_not_today", args=[worksheet.pk])),
        ("post", reverse("courses:worksheet_autosave", args=[worksheet.pk])),
        ("post", reverse("courses:worksheet_submit", args=[worksheet.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url, {"answer_one-word": "x"}).status_code == 404, url
    assert not WorksheetResponse.objects.exists()
    assert not LessonProgress.objects.exists()


def test_staff_cannot_open_client_course_pages(client, enrolled_a, clinician, signed_in):
    signed_in(clinician)
    week1 = module(enrolled_a.track, 1)
    assert client.get(reverse("courses:module", args=[week1.pk])).status_code == 404


def test_a_trauma_intense_week_shows_its_content_note_first(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    week3 = module(enrolled_a.track, 3)
    lesson = week3.lessons.first()
    response = client.get(reverse("courses:module", args=[week3.pk]))
    assert "Before you begin this week" in response.content.decode()
    assert week3.content_note in response.content.decode()
    # Its lessons wait behind the note.
    response = client.get(reverse("courses:lesson", args=[lesson.pk]))
    assert response.status_code == 302
    client.post(reverse("courses:module_ready", args=[week3.pk]))
    assert client.get(reverse("courses:lesson", args=[lesson.pk])).status_code == 200


def test_not_today_costs_nothing_and_keeps_the_lesson_open(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    week3 = module(enrolled_a.track, 3)
    client.post(reverse("courses:module_ready", args=[week3.pk]))
    lesson = week3.lessons.first()
    response = client.post(reverse("courses:lesson_not_today", args=[lesson.pk]))
    assert response.status_code == 302
    progress = LessonProgress.objects.get(lesson=lesson)
    assert progress.deferred_at and not progress.completed_at
    assert client.get(reverse("courses:lesson", args=[lesson.pk])).status_code == 200


def test_a_lesson_records_suds_before_and_after(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    practice = lesson_of(enrolled_a.track, 1, LessonKind.PRACTICE)
    assert practice.suds
    client.post(reverse("courses:lesson_begin", args=[practice.pk]), {"suds": "7"})
    client.post(reverse("courses:lesson_finish", args=[practice.pk]), {"suds": "3"})
    progress = LessonProgress.objects.get(lesson=practice)
    assert (progress.suds_before, progress.suds_after) == (7, 3)
    assert progress.completed_at is not None


@pytest.mark.parametrize("bad", ["11", "-1", "seven", "3.5", "9" * 50])
def test_a_suds_rating_outside_0_to_10_is_refused_with_a_message(
    client, enrolled_a, signed_in, bad
):
    signed_in(enrolled_a.client)
    practice = lesson_of(enrolled_a.track, 1, LessonKind.PRACTICE)
    response = client.post(
        reverse("courses:lesson_finish", args=[practice.pk]), {"suds": bad}, follow=True
    )
    assert "Choose a number from 0 to 10" in response.content.decode()
    assert not LessonProgress.objects.filter(lesson=practice, completed_at__isnull=False).exists()


def test_completing_a_lesson_changes_the_progress_on_home(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    reading = lesson_of(enrolled_a.track, 1, LessonKind.READING)
    client.post(reverse("courses:lesson_finish", args=[reading.pk]))
    body = client.get(reverse("courses:dashboard")).content.decode()
    assert "1 of 48" in body


def _worksheet(enrolled):
    return lesson_of(enrolled.track, 1, LessonKind.WORKSHEET)


def _answers(**overrides):
    data = {"answer_warning-signs": "Tight chest after work", "answer_one-word": "tired",
            "answer_calm": "4"}  # fmt: skip
    data.update(overrides)
    return data


def test_autosave_keeps_one_draft_and_submit_makes_version_one(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    autosave = reverse("courses:worksheet_autosave", args=[lesson.pk])
    assert client.post(autosave, _answers(), HTTP_HX_REQUEST="true").status_code == 200
    assert client.post(autosave, _answers(**{"answer_one-word": "calmer"})).status_code == 200
    draft = WorksheetResponse.objects.get()
    assert draft.status == "draft" and draft.answers["one-word"] == "calmer"
    response = client.post(
        reverse("courses:worksheet_submit", args=[lesson.pk]),
        _answers(draft_id=str(draft.pk)),
    )
    assert response.status_code == 302
    version = WorksheetResponse.objects.get()
    assert (version.status, version.version) == ("submitted", 1)


def test_a_double_submit_makes_one_version(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    client.post(reverse("courses:worksheet_autosave", args=[lesson.pk]), _answers())
    draft = WorksheetResponse.objects.get()
    url = reverse("courses:worksheet_submit", args=[lesson.pk])
    client.post(url, _answers(draft_id=str(draft.pk)))
    client.post(url, _answers(draft_id=str(draft.pk)))
    assert WorksheetResponse.objects.count() == 1


def test_an_edit_after_submitting_becomes_version_two_and_keeps_version_one(
    client, enrolled_a, signed_in
):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    url = reverse("courses:worksheet_submit", args=[lesson.pk])
    client.post(url, _answers())
    client.post(url, _answers(**{"answer_one-word": "hopeful"}))
    versions = list(WorksheetResponse.objects.order_by("version").values_list("version", "answers"))
    assert [v for v, _ in versions] == [1, 2]
    assert versions[0][1]["one-word"] == "tired"
    assert versions[1][1]["one-word"] == "hopeful"


ODD = {
    "emoji and accents": "Café ☕ — naïve 🙂",
    "right-to-left and joiners": "\u202eabc\u200d\u200b",
    "combining marks": "e\u0301\u0302",
    "mixed scripts": "Ωμέγα Привет こんにちは",
    "just under the limit": "x" * 20_000,
}


@pytest.mark.parametrize("text", ODD.values(), ids=list(ODD))
def test_odd_unicode_answers_are_stored_exactly(client, enrolled_a, signed_in, text):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    client.post(
        reverse("courses:worksheet_submit", args=[lesson.pk]),
        _answers(**{"answer_warning-signs": text}),
    )
    assert WorksheetResponse.objects.get().answers["warning-signs"] == text


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("answer_warning-signs", "x" * 20_001, "the limit is 20,000"),
        ("answer_one-word", "y" * 501, "the limit is 500"),
        ("answer_warning-signs", "before\x00after", "null byte"),
        ("answer_calm", "eleven", "Choose a number from 0 to 10"),
    ],
)
def test_oversized_nul_or_wrong_type_answers_are_refused_with_a_message_and_nothing_stored(
    client, enrolled_a, signed_in, field, value, message
):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    submit = client.post(
        reverse("courses:worksheet_submit", args=[lesson.pk]), _answers(**{field: value})
    )
    assert submit.status_code == 400
    assert message in submit.content.decode()
    autosave = client.post(
        reverse("courses:worksheet_autosave", args=[lesson.pk]), _answers(**{field: value})
    )
    assert autosave.status_code == 400
    assert message in autosave.content.decode()
    assert not WorksheetResponse.objects.exists()


def test_my_work_lists_only_my_submitted_worksheets_by_week(
    client, enrolled_a, enrolled_b, signed_in
):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    client.post(reverse("courses:worksheet_submit", args=[lesson.pk]), _answers())
    body = client.get(reverse("courses:my_work")).content.decode()
    assert "Tight chest after work" in body and "Week 1" in body
    client.logout()
    signed_in(enrolled_b.client)
    assert "Tight chest after work" not in client.get(reverse("courses:my_work")).content.decode()


def test_lesson_markdown_is_sanitized(client, enrolled_a, signed_in):
    from courses.markdown import render_markdown

    lesson = lesson_of(enrolled_a.track, 1, LessonKind.READING)
    lesson.body_html = render_markdown("Hi <script>alert(1)</script> [x](javascript:alert(1))")
    lesson.save()
    signed_in(enrolled_a.client)
    body = client.get(reverse("courses:lesson", args=[lesson.pk])).content.decode()
    assert "<script>alert" not in body and "javascript:" not in body


# --- Query budgets: flat from 12 to 24 weeks and from no progress to full progress -----------


def _full_progress(enrollment):
    for m in enrollment.track.modules.all():
        ModuleRelease.objects.get_or_create(
            enrollment=enrollment, module=m, defaults={"reason": "schedule"}
        )
        for lesson in m.lessons.all():
            LessonProgress.objects.update_or_create(
                enrollment=enrollment, lesson=lesson, defaults={"completed_at": NOW}
            )


def _page_urls(enrollment):
    week1 = enrollment.track.modules.get(week=1)
    lesson = week1.lessons.filter(kind=LessonKind.WORKSHEET).first()
    return {
        "home": reverse("courses:dashboard"),
        "map": reverse("courses:program_map"),
        "module": reverse("courses:module", args=[week1.pk]),
        "lesson": reverse("courses:lesson", args=[lesson.pk]),
    }


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["home", "map", "module", "lesson"])
def test_page_queries_stay_flat_as_the_track_and_progress_grow(
    client, db, signed_in, page, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    counts = {}
    for weeks, full in ((12, False), (24, False), (24, True)):
        user = UserFactory()
        track = make_track(weeks=weeks, lessons_per_module=5, trauma_weeks=())
        enrollment = EnrollmentFactory(client=user, track=track, start_date=date(2026, 11, 2))
        enrollment_release_due_modules(enrollment=enrollment, now=NOW)
        if full:
            _full_progress(enrollment)
        client.logout()
        signed_in(user)
        url = _page_urls(enrollment)[page]
        client.get(url)  # warm: the lazy release on home writes on the first visit
        counts[(weeks, full)] = _count_queries(client, url)
    assert len(set(counts.values())) == 1, counts
    with django_assert_max_num_queries(15):
        client.get(url)


def test_the_page_has_no_inline_scripts_or_styles(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    body = client.get(reverse("courses:lesson", args=[lesson.pk])).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert " style=" not in body


def test_the_next_step_falls_back_to_an_unfinished_earlier_week(client, enrolled_a, signed_in):
    for week in (4,):
        for lesson in module(enrolled_a.track, week).lessons.all():
            LessonProgress.objects.create(enrollment=enrolled_a, lesson=lesson, completed_at=NOW)
    signed_in(enrolled_a.client)
    body = client.get(reverse("courses:dashboard")).content.decode()
    assert "This week · Week 4" in body
    assert module(enrolled_a.track, 1).lessons.order_by("order").first().title in body


def test_autosave_after_submitting_the_same_answers_keeps_no_stray_draft(
    client, enrolled_a, signed_in
):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    client.post(reverse("courses:worksheet_submit", args=[lesson.pk]), _answers())
    response = client.post(reverse("courses:worksheet_autosave", args=[lesson.pk]), _answers())
    assert "No changes since your last version" in response.content.decode()
    assert WorksheetResponse.objects.count() == 1


def test_autosave_hands_the_draft_id_to_the_form(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    response = client.post(reverse("courses:worksheet_autosave", args=[lesson.pk]), _answers())
    draft = WorksheetResponse.objects.get()
    assert f'name="draft_id" id="id_draft_id" value="{draft.pk}" data-hx-swap-oob="true"' in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        (datetime(2026, 11, 30, 11, 0, tzinfo=UTC), "Mon, Nov 30 at 6:00 AM"),
        (datetime(2026, 12, 1, 17, 0, tzinfo=UTC), "Tue, Dec 1 at 12:00 PM"),
        (datetime(2026, 12, 2, 5, 30, tzinfo=UTC), "Wed, Dec 2 at 12:30 AM"),
        (datetime(2026, 7, 3, 22, 5, tzinfo=UTC), "Fri, Jul 3 at 6:05 PM"),  # daylight time
    ],
)
def test_unlock_times_read_in_the_clients_own_zone(utc, shown):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from courses.views import _opens

    with timezone.override(ZoneInfo("America/New_York")):
        assert _opens(utc) == shown


def test_a_week_lists_its_lessons_in_order_with_my_progress(client, enrolled_a, signed_in):
    week2 = module(enrolled_a.track, 2)
    first, second, *_ = week2.lessons.order_by("order")
    LessonProgress.objects.create(enrollment=enrolled_a, lesson=first, completed_at=NOW)
    LessonProgress.objects.create(enrollment=enrolled_a, lesson=second, started_at=NOW)
    signed_in(enrolled_a.client)

    body = client.get(reverse("courses:module", args=[week2.pk])).content.decode()

    items = re.findall(r'<li class="lesson-item[^"]*">(.*?)</li>', body, re.S)
    assert [re.search(r">([^<]+)</a>", item).group(1) for item in items] == [
        lesson.title for lesson in week2.lessons.order_by("order")
    ]
    states = [re.search(r'lesson-item__state">(\w[\w ]*)<', item).group(1) for item in items]
    assert states == ["Done", "Started", "Not started", "Not started"]


def test_a_week_withdrawn_from_the_curriculum_closes_with_its_lessons(
    client, enrolled_a, signed_in
):
    from courses.models import new_content_token

    week2 = module(enrolled_a.track, 2)
    signed_in(enrolled_a.client)
    assert client.get(reverse("courses:module", args=[week2.pk])).status_code == 200
    # What load_curriculum does when a week leaves the manifest.
    week2.retired_at = NOW
    week2.save(update_fields=["retired_at"])
    enrolled_a.track.content_token = new_content_token()
    enrolled_a.track.save(update_fields=["content_token"])

    assert client.get(reverse("courses:module", args=[week2.pk])).status_code == 404
    lesson = week2.lessons.first()
    assert client.get(reverse("courses:lesson", args=[lesson.pk])).status_code == 404
    assert "week--" in client.get(reverse("courses:program_map")).content.decode()
    assert week2.title not in client.get(reverse("courses:program_map")).content.decode()


# --- The player: what comes next, the map's progress, My ratings, Read aloud -----------------


def _lessons(track, week):
    return list(module(track, week).lessons.order_by("order"))


def test_marking_a_lesson_done_offers_the_next_lesson_of_its_week(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    first, second, *_ = _lessons(enrolled_a.track, 1)

    response = client.post(reverse("courses:lesson_finish", args=[first.pk]))

    week1 = reverse("courses:module", args=[first.module_id])
    assert response["Location"] == f"{week1}?done={first.pk}"
    body = client.get(response["Location"]).content.decode()
    assert "Marked as done" in body and "Up next" in body
    continue_link = f'<a class="button" href="{reverse("courses:lesson", args=[second.pk])}">'
    assert continue_link + "Continue to the next lesson</a>" in body


def test_after_a_weeks_last_lesson_the_next_open_weeks_first_unfinished_lesson_is_offered(
    client, enrolled_a, signed_in
):
    signed_in(enrolled_a.client)
    last = _lessons(enrolled_a.track, 1)[-1]
    first_of_2, second_of_2, *_ = _lessons(enrolled_a.track, 2)
    LessonProgress.objects.create(enrollment=enrolled_a, lesson=first_of_2, completed_at=NOW)

    response = client.post(reverse("courses:lesson_finish", args=[last.pk]), follow=True)

    body = response.content.decode()
    assert f"Week 2 · {second_of_2.title}" in body
    assert f'href="{reverse("courses:lesson", args=[second_of_2.pk])}"' in body


def test_with_no_open_lesson_after_it_the_week_points_back_to_the_program_map(
    client, enrolled_a, signed_in
):
    signed_in(enrolled_a.client)
    last = _lessons(enrolled_a.track, 4)[-1]  # the newest open week's last lesson

    body = client.post(
        reverse("courses:lesson_finish", args=[last.pk]), follow=True
    ).content.decode()

    assert "Continue to the next lesson" not in body
    assert "There are no more open lessons after this one." in body
    assert f'href="{reverse("courses:program_map")}">Back to the program map</a>' in body


@pytest.mark.parametrize("done", ["", "abc", "-1", "999999999999", "other week"])
def test_a_done_that_is_not_one_of_the_weeks_lessons_offers_nothing(
    client, enrolled_a, signed_in, done
):
    signed_in(enrolled_a.client)
    week1 = module(enrolled_a.track, 1)
    if done == "other week":
        done = str(_lessons(enrolled_a.track, 2)[0].pk)
    response = client.get(reverse("courses:module", args=[week1.pk]), {"done": done})
    assert response.status_code == 200
    assert "Up next" not in response.content.decode()


def test_another_client_gets_404_on_a_week_with_up_next(client, enrolled_a, enrolled_b, signed_in):
    signed_in(enrolled_b.client)
    first = _lessons(enrolled_a.track, 1)[0]
    before = audit_denials_counted()
    url = reverse("courses:module", args=[first.module_id])
    assert client.get(url, {"done": first.pk}).status_code == 404
    assert audit_denials_counted() == before + 1


def test_a_week_with_up_next_keeps_its_queries_flat_as_history_grows(
    client, db, signed_in, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    counts = {}
    for weeks, full in ((12, False), (24, False), (24, True)):
        user = UserFactory()
        track = make_track(weeks=weeks, lessons_per_module=5, trauma_weeks=())
        enrollment = EnrollmentFactory(client=user, track=track, start_date=date(2026, 11, 2))
        enrollment_release_due_modules(enrollment=enrollment, now=NOW)
        if full:
            _full_progress(enrollment)
        client.logout()
        signed_in(user)
        first = _lessons(track, 1)[0]
        url = f"{reverse('courses:module', args=[first.module_id])}?done={first.pk}"
        client.get(url)  # warm: the track's structure
        counts[(weeks, full)] = _count_queries(client, url)
    assert len(set(counts.values())) == 1, counts
    with django_assert_max_num_queries(15):
        client.get(url)


def test_home_continues_at_the_earliest_unfinished_lesson_past_a_held_week(
    client, track, client_a, clinician, signed_in
):
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    enrollment_release_due_modules(enrollment=enrollment, now=datetime(2026, 11, 10, tzinfo=UTC))
    _hold(enrollment, 3, clinician)
    enrollment_release_due_modules(enrollment=enrollment, now=NOW)  # week 4 opens, 3 is held
    for lesson in _lessons(track, 1) + _lessons(track, 2):
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, completed_at=NOW)
    signed_in(client_a)

    body = client.get(reverse("courses:dashboard")).content.decode()

    week4_first = _lessons(track, 4)[0]
    assert f'href="{reverse("courses:lesson", args=[week4_first.pk])}">Continue</a>' in body
    assert "This week · Week 4" in body


def test_submitting_a_worksheet_marks_its_lesson_done_and_offers_whats_next(
    client, enrolled_a, signed_in
):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)

    client.post(reverse("courses:worksheet_submit", args=[lesson.pk]), _answers())
    client.post(
        reverse("courses:worksheet_submit", args=[lesson.pk]),
        _answers(**{"answer_one-word": "later"}),
    )

    progress = LessonProgress.objects.get(enrollment=enrolled_a, lesson=lesson)
    assert progress.completed_at == NOW
    page = client.get(reverse("courses:lesson", args=[lesson.pk])).content.decode()
    assert "You finished this lesson" in page and "Mark as done" not in page
    whats_next = f"{reverse('courses:module', args=[lesson.module_id])}?done={lesson.pk}"
    assert f'href="{whats_next}">What\'s next</a>' in page
    assert "1 of 48" in client.get(reverse("courses:dashboard")).content.decode()


def test_a_worksheet_that_asks_for_suds_asks_for_the_rating_after_once_submitted(
    client, enrolled_a, signed_in
):
    signed_in(enrolled_a.client)
    lesson = _worksheet(enrolled_a)
    lesson.suds = True
    lesson.save(update_fields=["suds"])
    client.post(reverse("courses:lesson_begin", args=[lesson.pk]), {"suds": "8"})
    client.post(reverse("courses:worksheet_submit", args=[lesson.pk]), _answers())

    page = client.get(reverse("courses:lesson", args=[lesson.pk])).content.decode()
    assert "Save my rating" in page

    response = client.post(
        reverse("courses:lesson_finish", args=[lesson.pk]), {"suds": "5"}, follow=True
    )
    assert "Your rating is saved." in response.content.decode()
    progress = LessonProgress.objects.get(lesson=lesson)
    assert (progress.suds_before, progress.suds_after, progress.completed_at) == (8, 5, NOW)
    page = client.get(reverse("courses:lesson", args=[lesson.pk])).content.decode()
    assert "Save my rating" not in page


def test_the_program_map_draws_each_open_weeks_progress_and_marks_each_lesson_done(
    client, enrolled_a, signed_in
):
    first, second, third, fourth = _lessons(enrolled_a.track, 2)
    for lesson in (first, third):
        LessonProgress.objects.create(enrollment=enrolled_a, lesson=lesson, completed_at=NOW)
    LessonProgress.objects.create(enrollment=enrolled_a, lesson=second, started_at=NOW)
    for lesson in _lessons(enrolled_a.track, 1):
        LessonProgress.objects.create(enrollment=enrolled_a, lesson=lesson, completed_at=NOW)
    signed_in(enrolled_a.client)

    body = client.get(reverse("courses:program_map")).content.decode()

    weeks = dict(
        re.findall(
            r'<li class="week week--\w+">\s*<span class="week__number">Week (\d+)</span>'
            r"(.*?)(?=<li class=\"week |</ol>)",
            body,
            re.S,
        )
    )
    assert len(weeks) == 12
    assert "2 of 4 lessons done" in weeks["2"] and "progress__bar--50" in weeks["2"]
    assert "Open" in weeks["2"] and '<details class="week__lessons" open>' in weeks["2"]
    assert "4 of 4 lessons done" in weeks["1"] and "progress__bar--100" in weeks["1"]
    assert "Completed" in weeks["1"] and '<details class="week__lessons">' in weeks["1"]
    assert "0 of 4 lessons done" in weeks["4"] and "progress__bar--0" in weeks["4"]
    marks = re.findall(
        r'<li class="map-lesson( map-lesson--done)?">\s*<a href="[^"]+">([^<]+)</a>', weeks["2"]
    )
    assert marks == [
        (" map-lesson--done", first.title),
        ("", second.title),  # started is not done
        (" map-lesson--done", third.title),
        ("", fourth.title),
    ]
    assert weeks["2"].count('<span aria-hidden="true">✓</span> Done') == 2
    # A locked week has no bar and no lessons.
    assert "progress" not in weeks["5"] and "map-lesson" not in weeks["5"]


def _rate(enrollment, lesson, before, after, *, at=NOW, done=True):
    LessonProgress.objects.update_or_create(
        enrollment=enrollment, lesson=lesson,
        defaults={"started_at": at, "completed_at": at if done else None,
                  "suds_before": before, "suds_after": after},
    )  # fmt: skip


def _practice(enrollment, week):
    return lesson_of(enrollment.track, week, LessonKind.PRACTICE)


def test_my_ratings_show_my_own_before_and_after_as_a_chart_and_a_table(
    client, enrolled_a, enrolled_b, signed_in
):
    _rate(enrolled_a, _practice(enrolled_a, 1), 7, 3)
    _rate(enrolled_a, _practice(enrolled_a, 2), 6, None, done=False)
    _rate(enrolled_b, _practice(enrolled_b, 1), 9, 9)  # B's own
    signed_in(enrolled_a.client)

    body = client.get(reverse("courses:my_suds")).content.decode()

    assert 'class="suds-chart__svg" role="img"' in body
    assert "You rated 2 lessons. Of the 1 you rated before and after" in body
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>(.*?)</tr>", body, re.S)
    assert [number for number, _ in rows] == ["1", "2"]
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for _, row in rows]
    assert cells[0][1:] == ["7", "3"]
    assert cells[1][1] == "6" and "Not rated" in cells[1][2] and "(not finished)" in cells[1][0]
    assert ">9<" not in body.split("<svg", 1)[1]  # nothing of B's, in the chart or the table


def test_my_ratings_with_none_yet_says_so_kindly(client, enrolled_a, signed_in):
    signed_in(enrolled_a.client)
    body = client.get(reverse("courses:my_suds")).content.decode()
    assert "No ratings yet." in body and "<svg" not in body


def test_my_ratings_are_not_for_staff(client, enrolled_a, clinician, signed_in):
    _rate(enrolled_a, _practice(enrolled_a, 1), 7, 3)
    signed_in(clinician)
    before = audit_denials_counted()
    response = client.get(reverse("courses:my_suds"))
    assert response.status_code == 404
    assert audit_denials_counted() == before + 1


def test_my_ratings_stay_flat_from_one_rating_to_many(
    client, db, signed_in, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    counts = []
    for weeks in (1, 24):
        user = UserFactory()
        track = make_track(weeks=weeks, lessons_per_module=3, trauma_weeks=())
        enrollment = EnrollmentFactory(client=user, track=track)
        for week in range(1, weeks + 1):
            _rate(enrollment, _practice(enrollment, week), week % 11, (week + 3) % 11)
        client.logout()
        signed_in(user)
        client.get(reverse("courses:my_suds"))
        counts.append(_count_queries(client, reverse("courses:my_suds")))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(10):
        client.get(reverse("courses:my_suds"))


TRANSCRIPT = (
    "Settle in first.\n\n## Transcript\n\nWelcome. *(pause)*\n\nBreathe out.\n\n"
    "## After the practice\n\nRate again.\n"
)


def _guided(enrolled, kind=LessonKind.AUDIO, body=TRANSCRIPT):
    from courses.markdown import render_markdown
    from tests.factories import LessonFactory

    return LessonFactory(
        module=module(enrolled.track, 1), order=20, kind=kind, body=body,
        body_html=render_markdown(body),
    )  # fmt: skip


@pytest.mark.parametrize("kind", [LessonKind.AUDIO, LessonKind.VIDEO])
def test_a_guided_lesson_offers_read_aloud_beside_its_transcript_hidden_until_a_voice_is_found(
    client, enrolled_a, signed_in, kind
):
    lesson = _guided(enrolled_a, kind)
    signed_in(enrolled_a.client)

    body = client.get(reverse("courses:lesson", args=[lesson.pk])).content.decode()

    article = body.split('<article class="lesson-body">', 1)[1].split("</article>", 1)[0]
    before, transcript = article.split('<h2 id="transcript-heading">Transcript</h2>')
    assert "Settle in first." in before
    assert '<div class="card read-aloud" data-read-aloud hidden>' in transcript
    assert "the words are not sent anywhere, and there is no recording" in transcript
    spoken = transcript.split("data-read-aloud-text>", 1)[1].split("</div>", 1)[0]
    assert "Welcome." in spoken and "Breathe out." in spoken and "Rate again" not in spoken
    assert "<h2>After the practice</h2>" in transcript
    assert re.search(r'<script src="/static/js/read-aloud\.js[^"]*" defer></script>', body)
    assert not re.search(r"<script(?![^>]*\bsrc=)", body) and " style=" not in body


def test_a_reading_or_a_guided_lesson_without_a_transcript_has_no_read_aloud(
    client, enrolled_a, signed_in
):
    signed_in(enrolled_a.client)
    for lesson in (
        lesson_of(enrolled_a.track, 1, LessonKind.READING),
        _guided(enrolled_a, body="No transcript here."),
    ):
        body = client.get(reverse("courses:lesson", args=[lesson.pk])).content.decode()
        assert "data-read-aloud" not in body and "read-aloud.js" not in body
