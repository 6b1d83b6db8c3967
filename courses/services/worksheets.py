"""A client's worksheets: autosaved drafts and immutable submitted versions (I-1)."""

from datetime import datetime

from django.db import IntegrityError, transaction

from audit.services import audit_record
from courses.models import WorksheetResponse
from courses.worksheets import clean_answers


def _lock_draft(enrollment, lesson) -> WorksheetResponse | None:
    return (
        WorksheetResponse.objects.select_for_update()
        .filter(enrollment=enrollment, lesson=lesson, status=WorksheetResponse.Status.DRAFT)
        .first()
    )


@transaction.atomic
def worksheet_save_draft(
    *, enrollment, lesson, answers: dict, acting_user, now: datetime
) -> WorksheetResponse | None:
    """Autosave: create or update the one draft for this worksheet; None when the answers equal
    the latest submitted version (nothing to keep). Raises ValidationError and stores nothing
    when an answer is refused. Audited as a write (never the content)."""
    cleaned = clean_answers(lesson.prompts, answers)
    draft = _lock_draft(enrollment, lesson)
    if draft is None:
        latest = (
            WorksheetResponse.objects.submitted()
            .filter(enrollment=enrollment, lesson=lesson)
            .order_by("-version")
            .first()
        )
        if latest is not None and latest.answers == cleaned:
            return None  # nothing new since the last version: no empty draft is made
    if draft is None:
        try:
            with transaction.atomic():
                draft = WorksheetResponse.objects.create(
                    enrollment=enrollment, lesson=lesson, answers=cleaned, updated_at=now
                )
        except IntegrityError:  # a concurrent autosave created it first
            draft = _lock_draft(enrollment, lesson)
            if draft is None:  # and it was submitted meanwhile: this autosave starts the next
                draft = WorksheetResponse.objects.create(
                    enrollment=enrollment, lesson=lesson, answers=cleaned, updated_at=now
                )
    if draft.answers != cleaned:
        draft.answers = cleaned
        draft.updated_at = now
        draft.save(update_fields=["answers", "updated_at"])
    audit_record(
        action="worksheet.draft_saved",
        actor=acting_user,
        subject=enrollment.client,
        target=draft,
    )
    return draft


@transaction.atomic
def worksheet_submit(
    *, enrollment, lesson, answers: dict, acting_user, now: datetime, draft_id: int | None = None
) -> WorksheetResponse:
    """Submit the worksheet as its next immutable version; returns that version.

    Idempotent for a double submit: when `draft_id` names a draft that has already been submitted
    (the first of two identical posts won), that version is returned and nothing new is written.
    Raises ValidationError and stores nothing when an answer is refused.
    """
    cleaned = clean_answers(lesson.prompts, answers)
    if draft_id is not None:
        earlier = (
            WorksheetResponse.objects.select_for_update()
            .filter(pk=draft_id, enrollment=enrollment, lesson=lesson)
            .first()
        )
        if earlier is not None and earlier.status == WorksheetResponse.Status.SUBMITTED:
            return earlier
    latest = (
        WorksheetResponse.objects.submitted()
        .select_for_update()
        .filter(enrollment=enrollment, lesson=lesson)
        .order_by("-version")
        .first()
    )
    draft = _lock_draft(enrollment, lesson)
    if draft is None and latest is not None and latest.answers == cleaned:
        return latest  # nothing changed since the last version
    version = (latest.version if latest else 0) + 1
    if draft is None:
        draft = WorksheetResponse(enrollment=enrollment, lesson=lesson, created_at=now)
    draft.answers = cleaned
    draft.status = WorksheetResponse.Status.SUBMITTED
    draft.version = version
    draft.updated_at = now
    draft.submitted_at = now
    draft.save()
    audit_record(
        action="worksheet.submitted",
        actor=acting_user,
        subject=enrollment.client,
        target=draft,
        metadata={"version": version},
    )
    return draft
