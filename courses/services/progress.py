"""A client's own progress through lessons: start (SUDS before), complete (SUDS after), or
"not today", which costs nothing."""

from datetime import datetime

from django.db import transaction

from audit.services import audit_record
from courses.models import Enrollment, Lesson, LessonProgress


class ProgressError(ValueError):
    """The progress change is not valid (e.g. a SUDS rating outside 0–10)."""


def _check_suds(value: int | None, lesson: Lesson) -> int | None:
    if value is None:
        return None
    if not lesson.suds:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
        raise ProgressError("Choose a number from 0 to 10.")
    return value


def _audit(enrollment: Enrollment, progress: LessonProgress, acting_user, action: str) -> None:
    audit_record(action=action, actor=acting_user, subject=enrollment.client, target=progress)


def _record(
    enrollment: Enrollment,
    lesson: Lesson,
    acting_user,
    *,
    suds_before: int | None = None,
    suds_after: int | None = None,
    complete: bool = False,
    now: datetime,
) -> LessonProgress:
    """Start (and optionally complete) a lesson, keeping the first times; audited if changed."""
    progress = _locked_progress(enrollment, lesson)
    changes = {
        "started_at": now if progress.started_at is None else None,
        "completed_at": now if complete and progress.completed_at is None else None,
        "suds_before": suds_before,
        "suds_after": suds_after,
    }
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(progress, name, changes[name])
    if progress.deferred_at is not None:
        progress.deferred_at = None
        fields.append("deferred_at")
    if fields:
        progress.save(update_fields=fields)
        _audit(enrollment, progress, acting_user, "progress.updated")
    return progress


def _locked_progress(enrollment: Enrollment, lesson: Lesson) -> LessonProgress:
    LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    return LessonProgress.objects.select_for_update().get(enrollment=enrollment, lesson=lesson)


@transaction.atomic
def lesson_start(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    acting_user,
    now: datetime,
    suds_before: int | None = None,
) -> LessonProgress:
    """Mark a lesson started (first time only) and record SUDS before, if the lesson asks."""
    suds_before = _check_suds(suds_before, lesson)
    return _record(enrollment, lesson, acting_user, suds_before=suds_before, now=now)


@transaction.atomic
def lesson_complete(
    *,
    enrollment: Enrollment,
    lesson: Lesson,
    acting_user,
    now: datetime,
    suds_after: int | None = None,
) -> LessonProgress:
    """Mark a lesson complete (idempotent: the first completion time stays) with SUDS after."""
    suds_after = _check_suds(suds_after, lesson)
    return _record(enrollment, lesson, acting_user, suds_after=suds_after, complete=True, now=now)


@transaction.atomic
def lesson_defer(
    *, enrollment: Enrollment, lesson: Lesson, acting_user, now: datetime
) -> LessonProgress:
    """ "Not today": note the choice without any penalty; the lesson stays open."""
    progress = _locked_progress(enrollment, lesson)
    if progress.completed_at is None:
        progress.deferred_at = now
        progress.save(update_fields=["deferred_at"])
        _audit(enrollment, progress, acting_user, "progress.not_today")
    return progress
