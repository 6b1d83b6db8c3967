"""Real rows for the record page's tests: an enrollment with weeks of history (releases, lessons
started and finished, SUDS ratings, submitted worksheets), written straight to the tables at
fixed instants so the figures the page shows can be worked out by hand."""

from datetime import UTC, date, datetime, time, timedelta

from core.localtime import local_instant
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    LessonKind,
    LessonProgress,
    ModuleRelease,
    Track,
    WorksheetResponse,
)
from measures.models import Instrument
from measures.services import administration_submit
from tests.factories import EnrollmentFactory, make_track, steady_answers

# A Wednesday afternoon in late November (no DST change near it in America/New_York).
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
LESSON_MINUTES = 25  # every finished lesson of `with_history` took this long


def record_track(*, weeks: int = 12) -> Track:
    """Weeks of three lessons each (a reading, a SUDS practice, a worksheet); week 3 is
    trauma-intense."""
    return make_track(weeks=weeks, lessons_per_module=3, trauma_weeks=(3,))


def monday_weeks_ago(weeks: int, *, now: datetime = NOW) -> date:
    today = now.date()
    return today - timedelta(days=today.weekday()) - timedelta(days=7 * (weeks - 1))


def with_history(
    *,
    client,
    track: Track,
    weeks: int,
    now: datetime = NOW,
    status: str = EnrollmentStatus.ACTIVE,
) -> Enrollment:
    """`client` enrolled on `track` `weeks` weeks ago (a Monday), each of those weeks opened on
    its Monday at 06:00 in the client's zone, and every lesson of it done the next evening in
    LESSON_MINUTES minutes: SUDS 7 before and 4 after on the practice, the worksheet submitted
    (version 1). Content notes are acknowledged the day the week opened. The PHQ-9 and GAD-7
    were answered each other week (when the instruments are loaded), worsening as it goes."""
    start = monday_weeks_ago(weeks, now=now)
    enrollment = EnrollmentFactory(client=client, track=track, start_date=start, status=status)
    for module in track.modules.order_by("week")[:weeks]:
        opened = local_instant(
            start + timedelta(days=7 * (module.week - 1)), time(6), client.timezone
        )
        ModuleRelease.objects.create(
            enrollment=enrollment,
            module=module,
            released_at=opened,
            due_at=opened,
            reason="schedule",
            content_note_seen_at=opened + timedelta(hours=2) if module.trauma_intense else None,
        )
        for n, lesson in enumerate(module.lessons.order_by("order")):
            started = opened + timedelta(days=1, hours=13, minutes=30 * n)
            practice = lesson.kind == LessonKind.PRACTICE
            LessonProgress.objects.create(
                enrollment=enrollment,
                lesson=lesson,
                started_at=started,
                completed_at=started + timedelta(minutes=LESSON_MINUTES),
                suds_before=7 if practice else None,
                suds_after=4 if practice else None,
            )
            if lesson.prompts:
                WorksheetResponse.objects.create(
                    enrollment=enrollment,
                    lesson=lesson,
                    status=WorksheetResponse.Status.SUBMITTED,
                    version=1,
                    answers={"one-word": "steady"},
                    submitted_at=started + timedelta(minutes=LESSON_MINUTES),
                )
        if module.week % 2:
            for instrument in Instrument.objects.all():
                value = min(3, module.week // 3)
                administration_submit(
                    client=client,
                    instrument=instrument,
                    answers=steady_answers(instrument, value),
                    now=opened + timedelta(days=2),
                )
    return enrollment
