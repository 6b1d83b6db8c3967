"""I-1: a submitted worksheet is never edited in place; changes make a new version."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from courses.models import LessonKind, LessonProgress, WorksheetImmutableError, WorksheetResponse
from courses.services.worksheets import worksheet_save_draft, worksheet_submit
from tests.conftest import run_at_once
from tests.factories import EnrollmentFactory, make_track

NOW = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)


@pytest.fixture
def setting(db, client_a):
    track = make_track(weeks=1, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    lesson = track.modules.get().lessons.get(kind=LessonKind.WORKSHEET)
    return enrollment, lesson


def test_a_submitted_version_refuses_to_be_saved_again(setting, client_a):
    enrollment, lesson = setting
    version = worksheet_submit(
        enrollment=enrollment,
        lesson=lesson,
        answers={"one-word": "steady"},
        acting_user=client_a,
        now=NOW,
    )
    version.answers = {"one-word": "rewritten"}
    with pytest.raises(WorksheetImmutableError):
        version.save()
    with pytest.raises(WorksheetImmutableError):
        version.delete()
    assert WorksheetResponse.objects.get().answers == {
        "warning-signs": "",
        "one-word": "steady",
        "calm": "",
    }


def test_a_draft_after_submission_becomes_the_next_version(setting, client_a):
    enrollment, lesson = setting
    worksheet_submit(
        enrollment=enrollment,
        lesson=lesson,
        answers={"one-word": "a"},
        acting_user=client_a,
        now=NOW,
    )
    draft = worksheet_save_draft(
        enrollment=enrollment,
        lesson=lesson,
        answers={"one-word": "b"},
        acting_user=client_a,
        now=NOW,
    )
    second = worksheet_submit(
        enrollment=enrollment,
        lesson=lesson,
        answers={"one-word": "b"},
        acting_user=client_a,
        now=NOW,
        draft_id=draft.pk,
    )
    assert second.pk == draft.pk and second.version == 2
    assert list(WorksheetResponse.objects.values_list("version", flat=True)) == [2, 1]


def test_submitting_unchanged_answers_again_adds_no_version(setting, client_a):
    enrollment, lesson = setting
    for _ in range(3):
        worksheet_submit(
            enrollment=enrollment,
            lesson=lesson,
            answers={"one-word": "a"},
            acting_user=client_a,
            now=NOW,
        )
    assert WorksheetResponse.objects.count() == 1


def test_a_refused_answer_stores_nothing(setting, client_a):
    enrollment, lesson = setting
    with pytest.raises(ValidationError):
        worksheet_save_draft(
            enrollment=enrollment,
            lesson=lesson,
            answers={"one-word": "x" * 501},
            acting_user=client_a,
            now=NOW,
        )
    assert not WorksheetResponse.objects.exists()


def test_the_audit_trail_records_the_write_but_never_the_words(setting, client_a):
    from audit.models import AuditEvent

    enrollment, lesson = setting
    canary = "CANARY-journal-55d1"
    worksheet_submit(
        enrollment=enrollment,
        lesson=lesson,
        answers={"one-word": canary},
        acting_user=client_a,
        now=NOW,
    )
    events = AuditEvent.objects.filter(action="worksheet.submitted")
    assert events.count() == 1
    assert canary not in str(list(AuditEvent.objects.values()))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_one_draft_make_one_version(client_a):
    track = make_track(weeks=1, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    lesson = track.modules.get().lessons.get(kind=LessonKind.WORKSHEET)
    draft = worksheet_save_draft(
        enrollment=enrollment,
        lesson=lesson,
        answers={"one-word": "x"},
        acting_user=client_a,
        now=NOW,
    )
    errors = run_at_once(
        lambda: worksheet_submit(
            enrollment=enrollment,
            lesson=lesson,
            answers={"one-word": "x"},
            acting_user=client_a,
            now=NOW,
            draft_id=draft.pk,
        )
    )
    assert not errors
    assert list(WorksheetResponse.objects.values_list("version", flat=True)) == [1]


# --- Submitting completes the lesson ------------------------------------------------------------


def _submit(enrollment, lesson, user, *, answer: str, now=NOW, **kwargs):
    return worksheet_submit(
        enrollment=enrollment,
        lesson=lesson,
        answers={"one-word": answer},
        acting_user=user,
        now=now,
        **kwargs,
    )


def test_submitting_a_worksheet_completes_its_lesson_and_audits_it(setting, client_a):
    enrollment, lesson = setting

    _submit(enrollment, lesson, client_a, answer="steady")

    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    assert progress.completed_at == NOW and progress.started_at == NOW
    assert AuditEvent.objects.filter(action="progress.updated", actor=client_a).count() == 1


def test_a_later_version_keeps_the_first_completion_and_writes_no_more_progress(setting, client_a):
    enrollment, lesson = setting
    _submit(enrollment, lesson, client_a, answer="first")
    later = NOW + timedelta(days=3)

    version = _submit(enrollment, lesson, client_a, answer="second", now=later)
    _submit(enrollment, lesson, client_a, answer="second", now=later)  # unchanged: no version

    assert version.version == 2
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).count() == 1
    assert LessonProgress.objects.get().completed_at == NOW
    assert AuditEvent.objects.filter(action="progress.updated").count() == 1


def test_a_double_submit_completes_once(setting, client_a):
    enrollment, lesson = setting
    draft = worksheet_save_draft(
        enrollment=enrollment, lesson=lesson, answers={"one-word": "x"}, acting_user=client_a,
        now=NOW,
    )  # fmt: skip
    for _ in range(2):
        _submit(enrollment, lesson, client_a, answer="x", draft_id=draft.pk)
    assert WorksheetResponse.objects.count() == 1
    assert LessonProgress.objects.get().completed_at == NOW
    assert AuditEvent.objects.filter(action="progress.updated").count() == 1


def test_a_refused_submission_completes_nothing(setting, client_a):
    enrollment, lesson = setting
    with pytest.raises(ValidationError):
        _submit(enrollment, lesson, client_a, answer="x" * 501)
    assert not LessonProgress.objects.exists()
    assert not WorksheetResponse.objects.exists()


def test_the_completion_rolls_back_with_the_version(setting, client_a, monkeypatch):
    """One transaction: when announcing the version fails, neither the version nor the
    completion is kept."""
    from courses.services import worksheets

    enrollment, lesson = setting

    def refuse(event):
        raise RuntimeError("a subscriber failed")

    monkeypatch.setattr(worksheets, "publish", refuse)
    with pytest.raises(RuntimeError):
        _submit(enrollment, lesson, client_a, answer="x")
    assert not WorksheetResponse.objects.exists()
    assert not LessonProgress.objects.exists()
