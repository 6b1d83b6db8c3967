"""The staff content preview (/preview/): any track's weeks and lessons on the client's own
templates, for administrators and clinical staff, without an enrollment; nothing is written."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.selectors import audit_denials_counted
from courses.models import (
    LessonKind,
    LessonProgress,
    Module,
    ModuleRelease,
    WorksheetResponse,
)
from tests.factories import LessonFactory, UserFactory, make_track

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BANNER = "this is how a client sees this page. Nothing here is saved."
TRANSCRIPT_BODY = "Settle in.\n\n## Transcript\n\nBreathe in slowly. [pause 5]\n\nAnd out."


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def track(db):
    """Three weeks: week 1 has a lesson of every kind (and a retired one), week 2 is an
    outline with a content note, week 3 is retired."""
    track = make_track(weeks=3, lessons_per_module=3, trauma_weeks=(2,))
    week1 = track.modules.get(week=1)
    for kind in (LessonKind.VIDEO, LessonKind.AUDIO, LessonKind.EXERCISE, LessonKind.REFLECTION):
        body = TRANSCRIPT_BODY if kind in (LessonKind.VIDEO, LessonKind.AUDIO) else "Words."
        LessonFactory(module=week1, kind=kind, order=10, title=f"A {kind} lesson", body=body)
    LessonFactory(module=week1, order=20, title="An old lesson", retired_at=NOW)
    Module.objects.filter(track=track, week=2).update(status=Module.Status.OUTLINE)
    Module.objects.filter(track=track, week=3).update(retired_at=NOW)
    return track


@pytest.fixture
def supervisor(db):
    return UserFactory(role=Role.SUPERVISOR)


def _urls(track):
    lesson = track.modules.get(week=1).lessons.first()
    return [
        reverse("preview:tracks"),
        reverse("preview:week", args=[track.pk, 1]),
        reverse("preview:lesson", args=[lesson.pk]),
    ]


@pytest.mark.parametrize("who", ["admin_user", "clinician", "other_clinician", "supervisor"])
def test_administrators_and_clinical_staff_see_every_preview_page(
    request, client, track, who, signed_in
):
    signed_in(request.getfixturevalue(who))
    for url in _urls(track):
        response = client.get(url)
        assert response.status_code == 200, url
    # No care assignment and no enrollment is needed: the clinician sees the same pages.


@pytest.mark.parametrize("who", ["client_a", "client_b", "billing_user"])
def test_clients_and_billing_staff_get_404_with_a_denied_audit_row(
    request, client, track, who, signed_in
):
    user = request.getfixturevalue(who)
    signed_in(user)
    for url in _urls(track):
        before = audit_denials_counted(actor_id=user.pk)
        assert client.get(url).status_code == 404, url
        assert audit_denials_counted(actor_id=user.pk) == before + 1, url


def test_anonymous_visitors_are_sent_to_sign_in(client, track):
    for url in _urls(track):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_missing_week_or_lesson_is_a_404_with_a_denied_audit_row(
    client, track, admin_user, signed_in
):
    signed_in(admin_user)
    for url in (
        reverse("preview:week", args=[track.pk, 99]),
        reverse("preview:week", args=[999_999, 1]),
        reverse("preview:lesson", args=[999_999]),
    ):
        before = audit_denials_counted(actor_id=admin_user.pk)
        assert client.get(url).status_code == 404, url
        assert audit_denials_counted(actor_id=admin_user.pk) == before + 1


def test_the_track_list_shows_every_week_and_lesson_with_retired_and_outline_badges(
    client, track, admin_user, signed_in
):
    signed_in(admin_user)
    html = client.get(reverse("preview:tracks")).content.decode()
    assert track.title in html
    for module in track.modules.all():
        assert f"Week {module.week}: {module.title}" in html
        assert reverse("preview:week", args=[track.pk, module.week]) in html
    assert "An old lesson" in html
    assert html.count('<span class="preview-badge">Retired</span>') == 2  # week 3, one lesson
    assert html.count('<span class="preview-badge">Outline</span>') == 1
    assert '<span class="preview-badge">Content note</span>' in html


def test_a_week_is_the_clients_week_page_with_the_banner_and_preview_links(
    client, track, admin_user, signed_in
):
    signed_in(admin_user)
    week1 = track.modules.get(week=1)
    html = client.get(reverse("preview:week", args=[track.pk, 1])).content.decode()
    assert BANNER in html
    assert week1.title in html and "What this week asks of you" in html
    for lesson in week1.lessons.all():
        assert reverse("preview:lesson", args=[lesson.pk]) in html
        assert reverse("courses:lesson", args=[lesson.pk]) not in html
    assert "Not started" in html


def test_an_outline_week_and_its_content_note_show_as_such(client, track, admin_user, signed_in):
    signed_in(admin_user)
    week2 = track.modules.get(week=2)
    html = client.get(reverse("preview:week", args=[track.pk, 2])).content.decode()
    assert "This week is an outline." in html
    assert "This week is an outline for now" in html  # the client's own line
    assert week2.content_note in html
    lesson = week2.lessons.first()
    html = client.get(reverse("preview:lesson", args=[lesson.pk])).content.decode()
    assert "This lesson belongs to an outline week." in html


def test_a_retired_week_and_a_retired_lesson_are_marked_retired(
    client, track, admin_user, signed_in
):
    signed_in(admin_user)
    html = client.get(reverse("preview:week", args=[track.pk, 3])).content.decode()
    assert "This week is retired: clients no longer see it." in html
    old = track.modules.get(week=1).lessons.get(title="An old lesson")
    html = client.get(reverse("preview:lesson", args=[old.pk])).content.decode()
    assert "This lesson is retired: clients no longer see it." in html
    week1_html = client.get(reverse("preview:week", args=[track.pk, 1])).content.decode()
    assert '<span class="preview-badge">Retired</span>' in week1_html


def test_every_kind_of_lesson_renders_with_the_banner_and_no_form_that_sends(
    client, track, admin_user, signed_in
):
    signed_in(admin_user)
    lessons = list(track.modules.get(week=1).lessons.all())
    assert {lesson.kind for lesson in lessons} == set(LessonKind.values)
    for lesson in lessons:
        html = client.get(reverse("preview:lesson", args=[lesson.pk])).content.decode()
        assert BANNER in html, lesson.kind
        assert lesson.title in html
        # Nothing on the page can reach a course action or the autosave.
        for name in ("lesson_begin", "lesson_finish", "lesson_not_today"):
            assert reverse(f"courses:{name}", args=[lesson.pk]) not in html
        for name in ("worksheet_submit", "worksheet_autosave"):
            assert reverse(f"courses:{name}", args=[lesson.pk]) not in html
        assert "data-hx-post" not in html
        assert (
            'name="csrfmiddlewaretoken"'
            not in html.split('class="site-header"')[1].split("Sign out")[1]
        )
        if lesson.kind in (LessonKind.VIDEO, LessonKind.AUDIO):
            assert "data-read-aloud-text" in html and "Breathe in slowly." in html
    worksheet = next(lesson for lesson in lessons if lesson.has_worksheet)
    html = client.get(reverse("preview:lesson", args=[worksheet.pk])).content.decode()
    assert "My early warning signs" in html
    assert '<fieldset disabled class="preview-fieldset">' in html
    assert '<button type="submit" disabled>Submit worksheet</button>' in html
    assert '<button type="submit" disabled>Mark as done</button>' in html
    suds = next(lesson for lesson in lessons if lesson.suds)
    html = client.get(reverse("preview:lesson", args=[suds.pk])).content.decode()
    assert "Before you begin: how stirred up do you feel" in html
    assert '<button type="submit" disabled>Begin</button>' in html


def test_a_trauma_intense_lessons_not_today_is_shown_disabled(client, track, admin_user, signed_in):
    signed_in(admin_user)
    lesson = track.modules.get(week=2).lessons.first()
    html = client.get(reverse("preview:lesson", args=[lesson.pk])).content.decode()
    assert 'class="button--quiet" disabled>Not today</button>' in html


def test_previewing_writes_nothing_and_refuses_posts(client, track, admin_user, signed_in):
    signed_in(admin_user)
    counts = (LessonProgress.objects.count(), WorksheetResponse.objects.count())
    releases = ModuleRelease.objects.count()
    for module in Module.objects.filter(track=track):
        assert client.get(reverse("preview:week", args=[track.pk, module.week])).status_code == 200
        for lesson in module.lessons.all():
            url = reverse("preview:lesson", args=[lesson.pk])
            assert client.get(url).status_code == 200
            answers = {"suds": "4", "answer_one-word": "steady"}
            assert client.post(url, answers).status_code == 405
    assert (LessonProgress.objects.count(), WorksheetResponse.objects.count()) == counts
    assert ModuleRelease.objects.count() == releases


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _page_queries(client, track) -> list[int]:
    lesson = track.modules.get(week=1).lessons.first()
    return [
        _queries(client, reverse("preview:tracks")),
        _queries(client, reverse("preview:week", args=[track.pk, 1])),
        _queries(client, reverse("preview:lesson", args=[lesson.pk])),
    ]


def test_the_query_count_is_flat_in_the_size_of_the_track(client, db, admin_user, signed_in):
    signed_in(admin_user)
    small = make_track(weeks=2, lessons_per_module=2, trauma_weeks=())
    small_counts = _page_queries(client, small)
    big = make_track(weeks=24, lessons_per_module=8, trauma_weeks=(3, 9))
    big_counts = _page_queries(client, big)
    assert big_counts == small_counts, (small_counts, big_counts)
    # The session and the user, then: tracks, modules, lessons / the week, its lessons / the lesson.
    assert small_counts[0] <= 6 and small_counts[1] <= 5 and small_counts[2] <= 4, small_counts


def test_the_console_and_the_caseload_link_to_the_preview(client, admin_user, clinician, signed_in):
    signed_in(admin_user)
    assert reverse("preview:tracks") in client.get(reverse("accounts:console")).content.decode()
    client.logout()
    signed_in(clinician)
    assert reverse("preview:tracks") in client.get(reverse("care:caseload")).content.decode()
