"""The care team's side of a submitted worksheet (courses.services.worksheets): replies and
reviews, the discreet message a reply sends, how two versions are compared, and the client's My
work page showing the replies."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action, AuditEvent
from courses.models import (
    LessonKind,
    WorksheetFeedback,
    WorksheetImmutableError,
    WorksheetResponse,
    WorksheetReview,
)
from courses.services.worksheets import (
    WorksheetNotSubmittedError,
    worksheet_feedback_create,
    worksheet_review_record,
    worksheet_save_draft,
    worksheet_submit,
)
from courses.worksheets import (
    DELETED,
    EQUAL,
    INSERTED,
    MAX_FEEDBACK,
    answers_diff,
    text_diff,
    version_anchor,
)
from notifications.models import Channel, Kind, Notification, Status
from notifications.services import preference_set
from notifications.views import ANCHOR_SHAPE
from tests.conftest import run_at_once
from tests.factories import EnrollmentFactory, make_track

# 18:00 UTC: 13:00 in New York, the same calendar day in every zone the tests use.
NOW = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
CANARY = "canary-7Q2-reply-words"


@pytest.fixture
def worksheet(db, client_a):
    track = make_track(weeks=1, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    lesson = track.modules.get().lessons.get(kind=LessonKind.WORKSHEET)
    return enrollment, lesson


def submit(enrollment, lesson, *, now=NOW, **answers):
    return worksheet_submit(
        enrollment=enrollment,
        lesson=lesson,
        answers=answers,
        acting_user=enrollment.client,
        now=now,
    )


def reply(version, author, text="Thank you for writing this.", now=NOW):
    return worksheet_feedback_create(response=version, author=author, text=text, now=now)


# --- Replies ----------------------------------------------------------------------------------


def test_a_reply_is_stored_on_the_submitted_version_and_marks_it_reviewed(worksheet, clinician):
    version = submit(*worksheet, **{"one-word": "steady"})
    feedback = reply(version, clinician, "  I noticed how steady this sounds.\n")
    stored = WorksheetFeedback.objects.get()
    assert stored == feedback
    assert (stored.response, stored.author, stored.created_at) == (version, clinician, NOW)
    assert stored.text == "I noticed how steady this sounds."
    review = WorksheetReview.objects.get()
    assert (review.response, review.reviewer, review.reviewed_at) == (version, clinician, NOW)


def test_a_reply_to_a_draft_is_refused_and_stores_nothing(worksheet, clinician, client_a):
    enrollment, lesson = worksheet
    draft = worksheet_save_draft(
        enrollment=enrollment, lesson=lesson, answers={"one-word": "x"}, acting_user=client_a,
        now=NOW,
    )  # fmt: skip
    with pytest.raises(WorksheetNotSubmittedError):
        reply(draft, clinician)
    with pytest.raises(WorksheetNotSubmittedError):
        worksheet_review_record(response=draft, reviewer=clinician, now=NOW)
    assert not WorksheetFeedback.objects.exists()
    assert not WorksheetReview.objects.exists()
    assert not Notification.objects.filter(kind=Kind.FEEDBACK_READY).exists()
    assert not AuditEvent.objects.filter(
        action__in=[Action.WORKSHEET_REPLIED, Action.WORKSHEET_VIEWED]
    ).exists()


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "x" * (MAX_FEEDBACK + 1), "a null \x00 byte", None, 42],
    ids=["empty", "blank", "too-long", "nul", "none", "number"],
)
def test_a_reply_that_cannot_be_kept_is_refused_and_stores_nothing(worksheet, clinician, text):
    version = submit(*worksheet, **{"one-word": "steady"})
    with pytest.raises(ValidationError):
        reply(version, clinician, text)
    assert not WorksheetFeedback.objects.exists()
    assert not WorksheetReview.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.WORKSHEET_REPLIED).exists()


def test_a_reply_of_exactly_the_limit_is_kept(worksheet, clinician):
    version = submit(*worksheet, **{"one-word": "steady"})
    assert len(reply(version, clinician, "y" * MAX_FEEDBACK).text) == MAX_FEEDBACK


def test_a_reply_is_never_edited_or_deleted(worksheet, clinician):
    feedback = reply(submit(*worksheet, **{"one-word": "steady"}), clinician, "First words.")
    feedback.text = "Other words."
    with pytest.raises(WorksheetImmutableError):
        feedback.save()
    with pytest.raises(WorksheetImmutableError):
        feedback.delete()
    assert WorksheetFeedback.objects.get().text == "First words."


def test_the_same_reply_sent_twice_in_a_row_is_kept_once(worksheet, clinician):
    version = submit(*worksheet, **{"one-word": "steady"})
    first = reply(version, clinician, "Same words.")
    second = reply(version, clinician, "Same words.", now=NOW + timedelta(seconds=2))
    assert first.pk == second.pk
    assert WorksheetFeedback.objects.count() == 1
    assert AuditEvent.objects.filter(action=Action.WORKSHEET_REPLIED).count() == 1
    reply(version, clinician, "Something more.")
    assert WorksheetFeedback.objects.count() == 2
    # The same words again later are a new reply, not a double send.
    reply(version, clinician, "Something more.", now=NOW + timedelta(days=2))
    assert WorksheetFeedback.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sends_of_one_reply_keep_it_once_with_one_message(client_a, clinician):
    track = make_track(weeks=1, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    lesson = track.modules.get().lessons.get(kind=LessonKind.WORKSHEET)
    version = submit(enrollment, lesson, **{"one-word": "steady"})
    errors = run_at_once(lambda: reply(version, clinician, "Sent twice at once."))
    assert not errors
    assert WorksheetFeedback.objects.count() == 1
    assert WorksheetReview.objects.count() == 1
    assert Notification.objects.filter(kind=Kind.FEEDBACK_READY).count() == 1


def test_the_audit_row_names_the_reply_but_never_its_text(worksheet, clinician, client_a):
    version = submit(*worksheet, **{"one-word": "steady"})
    feedback = reply(version, clinician, f"Words only the client reads: {CANARY}")
    event = AuditEvent.objects.get(action=Action.WORKSHEET_REPLIED)
    assert (event.actor, event.subject) == (clinician, client_a)
    assert (event.target_type, event.target_id) == ("courses.worksheetfeedback", str(feedback.pk))
    assert event.metadata == {"response": version.pk, "version": 1}
    for row in AuditEvent.objects.values():
        assert CANARY not in str(row)
    for row in Notification.objects.values():
        assert CANARY not in str(row)


# --- The message a reply sends ----------------------------------------------------------------


def test_a_reply_queues_one_discreet_message_that_lands_on_the_version(worksheet, clinician):
    version = submit(*worksheet, **{"one-word": "steady"})
    reply(version, clinician)
    message = Notification.objects.get()
    assert message.user == version.enrollment.client
    assert message.kind == Kind.FEEDBACK_READY
    assert message.status == Status.PENDING
    assert message.link_target == "courses:my_work"
    assert message.link_anchor == version_anchor(version.pk)
    assert ANCHOR_SHAPE.fullmatch(message.link_anchor)
    # Opaque: not the version's id, and not the same for two versions.
    assert message.link_anchor not in {str(version.pk), f"v-{version.pk}", f"version-{version.pk}"}
    assert version_anchor(version.pk) != version_anchor(version.pk + 1)


def test_replies_the_same_day_make_one_message_and_the_next_day_another(worksheet, clinician):
    enrollment, lesson = worksheet
    first = submit(enrollment, lesson, **{"one-word": "one"})
    second = submit(enrollment, lesson, **{"one-word": "two"})
    reply(first, clinician, "On the first.")
    reply(second, clinician, "On the second.", now=NOW + timedelta(hours=3))
    assert Notification.objects.filter(kind=Kind.FEEDBACK_READY).count() == 1
    reply(second, clinician, "The next day.", now=NOW + timedelta(days=1))
    assert Notification.objects.filter(kind=Kind.FEEDBACK_READY).count() == 2


def test_the_day_is_the_clients_own(worksheet, clinician, client_a):
    """Two replies two hours apart, either side of midnight in the client's zone (Tokyo), are
    two days for the client though the same UTC day."""
    client_a.timezone = "Asia/Tokyo"
    client_a.save(update_fields=["timezone"])
    version = submit(*worksheet, **{"one-word": "steady"})
    before_midnight = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    reply(version, clinician, "Late.", now=before_midnight)
    reply(version, clinician, "Early.", now=before_midnight + timedelta(hours=2))
    assert Notification.objects.filter(kind=Kind.FEEDBACK_READY).count() == 2


def test_a_client_who_switched_these_off_gets_no_message(worksheet, clinician, client_a):
    preference_set(user=client_a, kind=Kind.FEEDBACK_READY, channel=Channel.NONE)
    reply(submit(*worksheet, **{"one-word": "steady"}), clinician)
    assert Notification.objects.get(kind=Kind.FEEDBACK_READY).status == Status.SKIPPED
    assert WorksheetFeedback.objects.count() == 1


def test_the_message_link_opens_my_work_at_the_version(worksheet, clinician, client, signed_in):
    version = submit(*worksheet, **{"one-word": "steady"})
    reply(version, clinician)
    message = Notification.objects.get(kind=Kind.FEEDBACK_READY)
    signed_in(version.enrollment.client)
    response = client.get(reverse("notifications:link", args=[message.link_token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:my_work") + "#" + version_anchor(version.pk)
    page = client.get(response["Location"]).content.decode()
    assert f'id="{version_anchor(version.pk)}"' in page


def test_the_client_can_switch_these_messages_off_in_preferences(client_a, client, signed_in):
    signed_in(client_a)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert f'name="kind_{Kind.FEEDBACK_READY}"' in page
    assert f'value="{Channel.NONE}"' in page


# --- Reviews ----------------------------------------------------------------------------------


def test_opening_a_version_marks_it_reviewed_once_and_audits_every_read(worksheet, clinician):
    version = submit(*worksheet, **{"one-word": "steady"})
    worksheet_review_record(response=version, reviewer=clinician, now=NOW)
    worksheet_review_record(response=version, reviewer=clinician, now=NOW + timedelta(hours=1))
    review = WorksheetReview.objects.get()
    assert review.reviewed_at == NOW  # the first reading counts
    reads = AuditEvent.objects.filter(action=Action.WORKSHEET_VIEWED)
    assert reads.count() == 2
    assert {(e.actor_id, e.target_id) for e in reads} == {(clinician.pk, str(version.pk))}


# --- Comparing versions -----------------------------------------------------------------------


def test_a_changed_word_reads_as_removed_then_added():
    assert text_diff("I felt calm today", "I felt tense today") == (
        (EQUAL, "I felt "),
        (DELETED, "calm"),
        (INSERTED, "tense"),
        (EQUAL, " today"),
    )


def test_a_changed_phrase_reads_as_one_removal_and_one_addition():
    assert text_diff("I skip meals and sleep late.", "I skip meals and stay up, again.") == (
        (EQUAL, "I skip meals and "),
        (DELETED, "sleep late"),
        (INSERTED, "stay up, again"),
        (EQUAL, "."),
    )


def test_unchanged_text_is_one_equal_segment_and_empty_text_none():
    assert text_diff("same words", "same words") == ((EQUAL, "same words"),)
    assert text_diff("", "") == ()
    assert text_diff("", "new") == ((INSERTED, "new"),)
    assert text_diff("old", "") == ((DELETED, "old"),)


def test_very_long_answers_are_compared_line_by_line():
    old = "\n".join(f"line {n} stays" for n in range(3000))
    new = old.replace("line 1500 stays", "line 1500 moved")
    segments = text_diff(old, new)
    assert (DELETED, "line 1500 stays\n") in segments
    assert (INSERTED, "line 1500 moved\n") in segments
    assert "".join(t for kind, t in segments if kind != DELETED) == new
    assert "".join(t for kind, t in segments if kind != INSERTED) == old


def test_answers_are_compared_per_prompt_in_the_lessons_order():
    prompts = [{"key": "a", "label": "First"}, {"key": "b", "label": "Second"}]
    fields = answers_diff(prompts, {"a": "one", "b": "two", "gone": "x"}, {"a": "one", "b": "2"})
    assert [(f.label, f.changed) for f in fields] == [
        ("First", False),
        ("Second", True),
        ("gone (a question no longer asked)", True),
    ]
    assert fields[1].segments == ((DELETED, "two"), (INSERTED, "2"))
    first = answers_diff(prompts, None, {"a": "one"})
    assert [(f.changed, f.segments) for f in first] == [(False, ((EQUAL, "one"),)), (False, ())]


# --- My work ----------------------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_client_reads_the_reply_under_that_version_in_my_work(
    worksheet, clinician, client, signed_in, frozen
):
    enrollment, lesson = worksheet
    first = submit(enrollment, lesson, **{"one-word": "first"})
    second = submit(enrollment, lesson, **{"one-word": "second"})
    reply(first, clinician, f"A reply to the first: {CANARY}")
    signed_in(enrollment.client)
    page = client.get(reverse("courses:my_work")).content.decode()
    assert page.count(CANARY) == 1
    assert "From your care team" in page
    assert clinician.preferred_name not in page  # never who wrote it
    # Under the first version's element, not the second's.
    first_at = page.index(f'id="{version_anchor(first.pk)}"')
    second_at = page.index(f'id="{version_anchor(second.pk)}"')
    assert second_at < first_at < page.index(CANARY)
    assert f'id="{first.pk}"' not in page


def test_another_client_never_sees_the_reply(worksheet, clinician, client_b, client, signed_in):
    reply(submit(*worksheet, **{"one-word": "steady"}), clinician, f"Private: {CANARY}")
    signed_in(client_b)
    page = client.get(reverse("courses:my_work"))
    assert page.status_code == 200
    assert CANARY not in page.content.decode()


def test_my_work_dates_a_reply_in_the_clients_zone(worksheet, clinician, client, signed_in):
    """03:30 UTC on Nov 4 is still Nov 3 in Los Angeles."""
    enrollment, lesson = worksheet
    enrollment.client.timezone = "America/Los_Angeles"
    enrollment.client.save(update_fields=["timezone"])
    version = submit(enrollment, lesson, **{"one-word": "steady"})
    late = datetime(2026, 11, 4, 3, 30, tzinfo=UTC)
    reply(version, clinician, "Late words.", now=late)
    signed_in(enrollment.client)
    page = client.get(reverse("courses:my_work")).content.decode()
    assert re.search(r"From your care team · <time[^>]*>Nov 3, 2026</time>", page)


def test_my_work_stays_flat_with_many_versions_and_replies(db, client, signed_in, clinician):
    counts = []
    for versions in (1, 9):
        track = make_track(weeks=3, lessons_per_module=3, trauma_weeks=())
        enrollment = EnrollmentFactory(track=track, start_date=date(2026, 11, 2))
        lessons = [m.lessons.get(kind=LessonKind.WORKSHEET) for m in track.modules.all()]
        for n in range(versions):
            version = submit(enrollment, lessons[n % 3], **{"one-word": f"answer {n}"})
            for words in range(n % 3 + 1):
                reply(version, clinician, f"Reply {words}")
        client.logout()
        signed_in(enrollment.client)
        client.get(reverse("courses:my_work"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("courses:my_work")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 15, counts


def test_the_submit_message_says_the_care_team_can_read_it(worksheet, client, signed_in):
    from courses.models import ModuleRelease

    enrollment, lesson = worksheet
    ModuleRelease.objects.create(enrollment=enrollment, module=lesson.module, reason="schedule")
    signed_in(enrollment.client)
    response = client.post(
        reverse("courses:worksheet_submit", args=[lesson.pk]),
        {"answer_one-word": "steady"},
        follow=True,
    )
    page = response.content.decode()
    assert "Saved as version 1." in page
    assert "Your care team can read the versions you submit, not your drafts." in page
    assert "your clinician can see it too" not in page
    assert WorksheetResponse.objects.submitted().count() == 1
