"""The record's worksheets section, a version's page and the reply to it, as the care team sees
them: submitted versions only (never a draft), the changes between versions, replies, the
"waiting for review" mark, audit rows, the same 404 for every outsider, and flat query counts."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from care.selectors.record_worksheets import worksheets_section
from courses.models import LessonKind, WorksheetFeedback, WorksheetReview
from courses.services.worksheets import (
    worksheet_feedback_create,
    worksheet_save_draft,
    worksheet_submit,
)
from courses.worksheets import MAX_FEEDBACK
from notifications.models import Kind, Notification
from tests.factories import CareAssignmentFactory, EnrollmentFactory, make_track

NOW = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
DRAFT_CANARY = "draft-canary-9XK-only-mine"
REPLY_CANARY = "reply-canary-4PL"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ws_setting(db, client_a):
    """Client A's one-week track with two worksheets (weeks' worksheet lessons)."""
    track = make_track(weeks=2, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    lessons = [m.lessons.get(kind=LessonKind.WORKSHEET) for m in track.modules.order_by("week")]
    return enrollment, lessons


def submit(enrollment, lesson, *, minutes=0, **answers):
    return worksheet_submit(
        enrollment=enrollment,
        lesson=lesson,
        answers=answers,
        acting_user=enrollment.client,
        now=NOW + timedelta(minutes=minutes),
    )


def version_url(client_user, version):
    return reverse("care:worksheet_version", args=[client_user.pk, version.pk])


def reply_url(client_user, version):
    return reverse("care:worksheet_reply", args=[client_user.pk, version.pk])


def record(client, client_user) -> str:
    response = client.get(reverse("care:client_detail", args=[client_user.pk]))
    assert response.status_code == 200
    return response.content.decode()


def worksheets_part(page: str) -> str:
    start = page.index('id="worksheets"')
    return page[start : page.index("</section>", start)]


# --- The section ------------------------------------------------------------------------------


def test_every_submitted_version_is_listed_newest_first_by_worksheet(
    ws_setting, clinician, client_a, client, signed_in
):
    enrollment, (week1, week2) = ws_setting
    submit(enrollment, week1, minutes=0, **{"one-word": "alpha"})
    submit(enrollment, week1, minutes=10, **{"one-word": "bravo"})
    submit(enrollment, week2, minutes=5, **{"one-word": "charlie"})
    signed_in(clinician)
    part = worksheets_part(record(client, client_a))
    assert "3 submitted versions" in part
    # The most recently submitted worksheet (week 1's, at +10 min) comes first, newest first.
    titles = re.findall(r"<h3[^>]*>(.*?)</h3>", part)
    assert titles == [f"Week 1: {week1.title}", f"Week 2: {week2.title}"]
    versions = re.findall(r">Version (\d+)</a>", part)
    assert versions == ["2", "1", "1"]
    # Version 2 (its change from alpha to bravo), then version 1, then week 2's only version.
    assert part.index("bravo") < part.index(">Version 1<") < part.index("charlie")
    assert part.index(">Version 1<") < part.rindex("alpha") < part.index("charlie")


def test_a_draft_is_never_shown_to_the_care_team(
    ws_setting, clinician, client_a, client, signed_in
):
    enrollment, (week1, week2) = ws_setting
    submit(enrollment, week1, **{"one-word": "submitted words"})
    worksheet_save_draft(
        enrollment=enrollment, lesson=week1, answers={"one-word": DRAFT_CANARY},
        acting_user=client_a, now=NOW,
    )  # fmt: skip
    draft = worksheet_save_draft(
        enrollment=enrollment, lesson=week2, answers={"warning-signs": DRAFT_CANARY},
        acting_user=client_a, now=NOW,
    )  # fmt: skip
    signed_in(clinician)
    page = record(client, client_a)
    assert "submitted words" in page
    assert DRAFT_CANARY not in page
    assert "1 submitted version" in page
    before = audit_denials_counted()
    response = client.get(version_url(client_a, draft))
    assert response.status_code == 404
    assert DRAFT_CANARY not in response.content.decode()
    assert client.post(reply_url(client_a, draft), {"text": "Hello"}).status_code == 404
    assert audit_denials_counted() == before + 2
    assert not WorksheetFeedback.objects.exists()
    assert not WorksheetReview.objects.exists()


def test_the_changes_between_versions_are_marked_as_added_and_removed(
    ws_setting, clinician, client_a, client, signed_in
):
    enrollment, (week1, _) = ws_setting
    submit(enrollment, week1, **{"warning-signs": "I skip meals and sleep late", "calm": "3"})
    submit(enrollment, week1, **{"warning-signs": "I skip meals and stay up", "calm": "3"})
    signed_in(clinician)
    part = worksheets_part(record(client, client_a))
    assert "Changes since version 1" in part
    assert '<del><span class="ws-sr">removed: </span>sleep late' in part
    assert '<ins><span class="ws-sr">added: </span>stay up' in part
    assert 'How calm do I feel? <span class="muted">(unchanged)</span>' in part
    assert "Answers (first version)" in part


def test_a_version_waits_for_review_until_someone_on_the_care_team_opens_it(
    ws_setting, clinician, client_a, client, signed_in
):
    enrollment, (week1, _) = ws_setting
    first = submit(enrollment, week1, **{"one-word": "one"})
    submit(enrollment, week1, **{"one-word": "two"})
    signed_in(clinician)
    part = worksheets_part(record(client, client_a))
    assert part.count("Waiting for review</p>") == 2
    assert "2 waiting for review" in part
    assert client.get(version_url(client_a, first)).status_code == 200
    part = worksheets_part(record(client, client_a))
    assert part.count("Waiting for review</p>") == 1


def test_a_reply_shows_under_its_version_in_the_section(
    ws_setting, clinician, client_a, client, signed_in
):
    enrollment, (week1, _) = ws_setting
    first = submit(enrollment, week1, **{"one-word": "one"})
    submit(enrollment, week1, **{"one-word": "two"})
    worksheet_feedback_create(response=first, author=clinician, text=REPLY_CANARY, now=NOW)
    signed_in(clinician)
    part = worksheets_part(record(client, client_a))
    assert part.index(">Version 2<") < part.index(">Version 1<") < part.index(REPLY_CANARY)
    assert clinician.preferred_name in part


def test_a_client_with_no_submitted_worksheets_has_a_calm_empty_section(
    clinician, client_a, client, signed_in
):
    signed_in(clinician)
    assert "No submitted worksheets yet." in worksheets_part(record(client, client_a))


# --- A version's page -------------------------------------------------------------------------


def test_opening_a_version_shows_it_marks_it_reviewed_and_is_audited(
    ws_setting, clinician, client_a, client, signed_in
):
    enrollment, (week1, _) = ws_setting
    submit(enrollment, week1, **{"one-word": "before"})
    second = submit(enrollment, week1, **{"one-word": "after", "warning-signs": "Tired <eyes>"})
    signed_in(clinician)
    response = client.get(version_url(client_a, second))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{week1.title}: version 2" in page
    assert "Tired &lt;eyes&gt;" in page  # escaped, never markup
    assert "Changes since version 1" in page
    assert '<ins><span class="ws-sr">added: </span>after' in page
    assert 'name="text"' in page and f'maxlength="{MAX_FEEDBACK}"' in page
    assert "no-store" in response["Cache-Control"]
    review = WorksheetReview.objects.get()
    assert (review.response, review.reviewer) == (second, clinician)
    viewed = AuditEvent.objects.get(action=Action.WORKSHEET_VIEWED)
    assert (viewed.actor, viewed.subject, viewed.target_id) == (clinician, client_a, str(second.pk))
    assert AuditEvent.objects.filter(action=Action.RECORD_VIEWED, actor=clinician).exists()


def test_an_older_version_points_to_the_newest(ws_setting, clinician, client_a, client, signed_in):
    enrollment, (week1, _) = ws_setting
    first = submit(enrollment, week1, **{"one-word": "one"})
    submit(enrollment, week1, **{"one-word": "two"})
    third = submit(enrollment, week1, **{"one-word": "three"})
    signed_in(clinician)
    page = client.get(version_url(client_a, first)).content.decode()
    assert "This is the first version" in page
    assert f'href="{version_url(client_a, third)}">Read version 3</a>' in page


def test_another_clients_version_through_this_clients_address_is_404(
    ws_setting, clinician, client_a, client_b, client, signed_in
):
    CareAssignmentFactory(clinician=clinician, client=client_b)
    track = make_track(weeks=1, lessons_per_module=3, trauma_weeks=())
    theirs = EnrollmentFactory(client=client_b, track=track, start_date=date(2026, 11, 2))
    lesson = track.modules.get().lessons.get(kind=LessonKind.WORKSHEET)
    b_version = submit(theirs, lesson, **{"one-word": "B's words"})
    signed_in(clinician)
    assert client.get(version_url(client_b, b_version)).status_code == 200
    wrong = reverse("care:worksheet_version", args=[client_a.pk, b_version.pk])
    missing = reverse("care:worksheet_version", args=[client_a.pk, 999_999])
    assert client.get(wrong).status_code == client.get(missing).status_code == 404
    wrong_reply = reverse("care:worksheet_reply", args=[client_a.pk, b_version.pk])
    assert client.post(wrong_reply, {"text": "Hello"}).status_code == 404
    assert not WorksheetFeedback.objects.exists()


@pytest.mark.parametrize("outsider", ["other_clinician", "client_b", "billing_user", "admin_user"])
def test_outsiders_get_404_on_the_version_and_the_reply(
    ws_setting, clinician, client_a, client, signed_in, request, outsider
):
    enrollment, (week1, _) = ws_setting
    version = submit(enrollment, week1, **{"one-word": "private"})
    signed_in(request.getfixturevalue(outsider))
    before = audit_denials_counted()
    assert client.get(version_url(client_a, version)).status_code == 404
    assert client.post(version_url(client_a, version)).status_code == 404
    assert client.post(reply_url(client_a, version), {"text": "Hi"}).status_code == 404
    assert client.get(reply_url(client_a, version)).status_code == 404
    assert audit_denials_counted() == before + 4
    assert not WorksheetFeedback.objects.exists()
    assert not WorksheetReview.objects.exists()
    assert not Notification.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(ws_setting, client_a, client):
    enrollment, (week1, _) = ws_setting
    version = submit(enrollment, week1, **{"one-word": "private"})
    for url in (version_url(client_a, version), reply_url(client_a, version)):
        response = client.post(url, {"text": "Hi"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not WorksheetFeedback.objects.exists()


# --- Replying ---------------------------------------------------------------------------------


def test_a_reply_is_saved_and_lands_back_on_the_versions_replies(
    ws_setting, clinician, client_a, client, signed_in
):
    enrollment, (week1, _) = ws_setting
    version = submit(enrollment, week1, **{"one-word": "steady"})
    signed_in(clinician)
    response = client.post(reply_url(client_a, version), {"text": f"Thank you. {REPLY_CANARY}"})
    assert response.status_code == 302
    assert response["Location"] == version_url(client_a, version) + "#replies"
    feedback = WorksheetFeedback.objects.get()
    assert (feedback.response, feedback.author) == (version, clinician)
    assert Notification.objects.filter(kind=Kind.FEEDBACK_READY, user=client_a).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Your reply was saved." in page
    assert REPLY_CANARY in page
    for row in AuditEvent.objects.values():
        assert REPLY_CANARY not in str(row)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Please write a reply before sending it."),
        ({"text": "   \n  "}, "Please write a reply before sending it."),
        ({}, "Please write a reply before sending it."),
        ({"text": "x" * (MAX_FEEDBACK + 1)}, f"the limit is {MAX_FEEDBACK:,}"),
        ({"text": "a \x00 b"}, "Null characters are not allowed."),
    ],
    ids=["empty", "blank", "missing", "too-long", "nul"],
)
def test_a_bad_reply_answers_400_with_the_reason_and_stores_nothing(
    ws_setting, clinician, client_a, client, signed_in, data, message
):
    enrollment, (week1, _) = ws_setting
    version = submit(enrollment, week1, **{"one-word": "steady"})
    signed_in(clinician)
    response = client.post(reply_url(client_a, version), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'class="errorlist' in page
    assert not WorksheetFeedback.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.WORKSHEET_REPLIED).exists()


def test_the_reply_address_answers_only_post(ws_setting, clinician, client_a, client, signed_in):
    enrollment, (week1, _) = ws_setting
    version = submit(enrollment, week1, **{"one-word": "steady"})
    signed_in(clinician)
    assert client.get(reply_url(client_a, version)).status_code == 405
    assert client.post(version_url(client_a, version), {"text": "Hi"}).status_code == 405
    assert not WorksheetFeedback.objects.exists()


# --- Query budgets ----------------------------------------------------------------------------


def _history(enrollment, lessons, clinician, versions: int) -> None:
    for n in range(versions):
        version = submit(
            enrollment, lessons[n % len(lessons)], minutes=n, **{"warning-signs": f"v {n} words"}
        )
        if n % 2:
            worksheet_feedback_create(response=version, author=clinician, text=f"r {n}", now=NOW)


def test_the_section_reads_in_a_fixed_number_of_queries(db, clinician, client_a):
    counts = []
    for versions in (1, 24):
        track = make_track(weeks=4, lessons_per_module=3, trauma_weeks=())
        enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
        lessons = [m.lessons.get(kind=LessonKind.WORKSHEET) for m in track.modules.all()]
        _history(enrollment, lessons, clinician, versions)
        with CaptureQueriesContext(connection) as ctx:
            section = worksheets_section(
                client=client_a, enrollment=enrollment, viewer=clinician, now=NOW
            )
        counts.append(len(ctx.captured_queries))
        enrollment.status = "completed"
        enrollment.save(update_fields=["status"])
    assert section["versions"] == 25
    assert counts[0] == counts[1] == 2, counts


def test_the_record_and_version_pages_stay_flat_as_the_history_grows(
    db, clinician, client, signed_in
):
    record_counts, version_counts = [], []
    for versions in (1, 20):
        person = CareAssignmentFactory(clinician=clinician).client
        track = make_track(weeks=4, lessons_per_module=3, trauma_weeks=())
        enrollment = EnrollmentFactory(client=person, track=track, start_date=date(2026, 11, 2))
        lessons = [m.lessons.get(kind=LessonKind.WORKSHEET) for m in track.modules.all()]
        _history(enrollment, lessons, clinician, versions)
        newest = enrollment.worksheet_responses.order_by("-submitted_at").first()
        signed_in(clinician)
        for url, counts in (
            (reverse("care:client_detail", args=[person.pk]), record_counts),
            (version_url(person, newest), version_counts),
        ):
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
    assert record_counts[0] == record_counts[1], record_counts
    assert version_counts[0] == version_counts[1] <= 20, version_counts
