"""A client's worksheets: autosaved drafts and immutable submitted versions (I-1), and the care
team's side of a submitted version: reading it (a review) and replying to it (feedback)."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from audit.models import Action
from audit.services import audit_record
from core.events import publish
from courses.events import WorksheetSubmitted
from courses.models import WorksheetFeedback, WorksheetResponse, WorksheetReview
from courses.services.progress import lesson_complete
from courses.worksheets import (
    clean_answers,
    clean_feedback_text,
    filled_sections,
    version_anchor,
)
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue


def _complete_lesson(enrollment, lesson, acting_user, now: datetime) -> None:
    """A submitted worksheet is its lesson done (idempotent: see `lesson_complete`)."""
    lesson_complete(enrollment=enrollment, lesson=lesson, acting_user=acting_user, now=now)


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
    Raises ValidationError and stores nothing when an answer is refused. A new version is
    announced as courses.events.WorksheetSubmitted in this transaction (for a worksheet that
    starts the safety plan, care writes its first version then).

    Submitting completes the worksheet's lesson, in this transaction, through
    `lesson_complete` (the first completion's time stays; a later version changes nothing).
    """
    cleaned = clean_answers(lesson.prompts, answers)
    if draft_id is not None:
        earlier = (
            WorksheetResponse.objects.select_for_update()
            .filter(pk=draft_id, enrollment=enrollment, lesson=lesson)
            .first()
        )
        if earlier is not None and earlier.status == WorksheetResponse.Status.SUBMITTED:
            _complete_lesson(enrollment, lesson, acting_user, now)
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
        _complete_lesson(enrollment, lesson, acting_user, now)
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
    _complete_lesson(enrollment, lesson, acting_user, now)
    publish(
        WorksheetSubmitted(
            response_id=draft.pk,
            client_id=enrollment.client_id,
            lesson_id=lesson.pk,
            version=version,
            at=now,
            fills=lesson.fills,
            sections=filled_sections(lesson.prompts, cleaned) if lesson.fills else {},
        )
    )
    return draft


# --- The care team's side ---------------------------------------------------------------------


class WorksheetNotSubmittedError(Exception):
    """Raised when the care team's side is asked of a draft: drafts are the client's alone."""


def _lock_submitted(response: WorksheetResponse) -> WorksheetResponse:
    locked = (
        WorksheetResponse.objects.select_for_update()
        .select_related("enrollment__client")
        .filter(pk=response.pk)
        .first()
    )
    if locked is None or locked.status != WorksheetResponse.Status.SUBMITTED:
        raise WorksheetNotSubmittedError("Only a submitted version can be reviewed or answered.")
    return locked


def _review_mark(*, response: WorksheetResponse, reviewer, now: datetime) -> WorksheetReview:
    review, _ = WorksheetReview.objects.get_or_create(
        response=response, reviewer=reviewer, defaults={"reviewed_at": now}
    )
    return review


@transaction.atomic
def worksheet_review_record(
    *, response: WorksheetResponse, reviewer, now: datetime
) -> WorksheetReview:
    """`reviewer` (a member of the client's care team, checked by the caller's gate) has read
    this submitted version: marks it reviewed by them (the first reading counts; later ones
    keep that time) and audits the read, every time (U-1). Raises WorksheetNotSubmittedError
    for a draft, writing nothing."""
    locked = _lock_submitted(response)
    review = _review_mark(response=locked, reviewer=reviewer, now=now)
    audit_record(
        action=Action.WORKSHEET_VIEWED,
        actor=reviewer,
        subject=locked.enrollment.client,
        target=locked,
        metadata={"version": locked.version},
    )
    return review


# A second identical reply this soon after the first is the same click sent twice.
DOUBLE_SEND_WINDOW = timedelta(minutes=10)


def feedback_ready_key(*, client, now: datetime) -> str:
    """The outbox key of the "something new is waiting" message: one a day (the client's day)
    however many replies the care team writes that day, so a sitting of replies is one quiet
    message, not several."""
    return f"feedback_ready:{client.pk}:{client.local_date(now).isoformat()}"


@transaction.atomic
def worksheet_feedback_create(
    *, response: WorksheetResponse, author, text: str, now: datetime
) -> WorksheetFeedback:
    """A care-team reply to one submitted version; returns it.

    Also marks the version reviewed by `author`, audits the reply (never its text: U-1), and
    queues a discreet message to the client (Kind.FEEDBACK_READY, at most one a day, landing on
    the version in My work). Raises ValidationError for an empty, oversized or unstorable text
    and WorksheetNotSubmittedError for a draft, storing nothing either way. Idempotent for a
    double send: the same text from the same author on the same version, twice in a row within
    DOUBLE_SEND_WINDOW, is kept once. The caller's gate has already checked that `author` is
    on the care team.
    """
    cleaned = clean_feedback_text(text)
    locked = _lock_submitted(response)
    latest = (
        WorksheetFeedback.objects.filter(response=locked).order_by("-created_at", "-id").first()
    )
    if (
        latest is not None
        and latest.author_id == author.pk
        and latest.text == cleaned
        and latest.created_at >= now - DOUBLE_SEND_WINDOW
    ):
        return latest  # the second of two identical posts
    feedback = WorksheetFeedback.objects.create(
        response=locked, author=author, text=cleaned, created_at=now
    )
    _review_mark(response=locked, reviewer=author, now=now)
    client = locked.enrollment.client
    audit_record(
        action=Action.WORKSHEET_REPLIED,
        actor=author,
        subject=client,
        target=feedback,
        metadata={"response": locked.pk, "version": locked.version},
    )
    outbox_enqueue(
        [
            OutboxItem(
                user=client,
                kind=Kind.FEEDBACK_READY,
                dedupe_key=feedback_ready_key(client=client, now=now),
                link_target="courses:my_work",
                link_anchor=version_anchor(locked.pk),
            )
        ],
        now=now,
    )
    return feedback
