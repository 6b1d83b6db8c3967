"""Each pacing verb on its own: what it changes, what it refuses, and the schedule afterwards
(in the client's own time zone, across daylight-saving changes)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from audit.models import AuditEvent
from courses.models import EnrollmentStatus, ModuleRelease, PacingAction, PacingKind
from courses.services.pacing import (
    MAX_SHIFT_DAYS,
    PacingError,
    pacing_advance,
    pacing_hold,
    pacing_lift_hold,
    pacing_pause,
    pacing_resume,
    pacing_shift,
)
from courses.services.releases import enrollment_release_due_modules
from tests.factories import EnrollmentFactory, make_track

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 11, 2)  # a Monday
NOV_10 = datetime(2026, 11, 10, 15, tzinfo=UTC)  # weeks 1-2 open


@pytest.fixture
def enrollment(db):
    track = make_track(weeks=12, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(track=track, start_date=START)
    enrollment_release_due_modules(enrollment=enrollment, now=NOV_10)
    return enrollment


def week(enrollment, n):
    return enrollment.track.modules.get(week=n)


def open_weeks(enrollment):
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def test_a_hold_is_refused_for_an_open_week_a_held_week_and_another_track(enrollment, clinician):
    with pytest.raises(PacingError, match="already open"):
        pacing_hold(enrollment=enrollment, module=week(enrollment, 2), reason_code="stabilization",
                    author=clinician, now=NOV_10)  # fmt: skip
    pacing_hold(enrollment=enrollment, module=week(enrollment, 3), reason_code="stabilization",
                author=clinician, now=NOV_10)  # fmt: skip
    with pytest.raises(PacingError, match="already held"):
        pacing_hold(enrollment=enrollment, module=week(enrollment, 3), reason_code="stabilization",
                    author=clinician, now=NOV_10)  # fmt: skip
    other = make_track(weeks=3, lessons_per_module=1).modules.get(week=3)
    with pytest.raises(PacingError, match="this client's track"):
        pacing_hold(enrollment=enrollment, module=other, reason_code="stabilization",
                    author=clinician, now=NOV_10)  # fmt: skip
    assert PacingAction.objects.filter(kind=PacingKind.HOLD).count() == 1


def test_lifting_a_hold_on_a_due_week_opens_it_and_lifting_nothing_is_refused(
    enrollment, clinician
):
    pacing_hold(enrollment=enrollment, module=week(enrollment, 3), reason_code="stabilization",
                author=clinician, now=NOV_10)  # fmt: skip
    later = datetime(2026, 11, 17, 15, tzinfo=UTC)  # week 3 was due on the 16th
    enrollment_release_due_modules(enrollment=enrollment, now=later)
    assert open_weeks(enrollment) == [1, 2]
    pacing_lift_hold(enrollment=enrollment, module=week(enrollment, 3),
                     reason_code="clinical_judgement", author=clinician, now=later)  # fmt: skip
    assert open_weeks(enrollment) == [1, 2, 3]
    with pytest.raises(PacingError, match="no hold"):
        pacing_lift_hold(enrollment=enrollment, module=week(enrollment, 3),
                         reason_code="clinical_judgement", author=clinician, now=later)  # fmt: skip


def test_an_advance_opens_a_week_early_once_and_is_audited(enrollment, clinician):
    for _ in range(2):
        pacing_advance(enrollment=enrollment, module=week(enrollment, 6), reason_code="ready_early",
                       author=clinician, now=NOV_10)  # fmt: skip
    assert open_weeks(enrollment) == [1, 2, 6]
    release = ModuleRelease.objects.get(enrollment=enrollment, module__week=6)
    assert (release.reason, release.released_at) == ("clinician_advance", NOV_10)
    assert AuditEvent.objects.filter(action="pacing.advance", actor=clinician).count() == 2


def test_pause_and_resume_refuse_the_wrong_state(enrollment, clinician):
    with pytest.raises(PacingError, match="paused program can be resumed"):
        pacing_resume(enrollment=enrollment, reason_code="client_request", author=clinician,
                      now=NOV_10)  # fmt: skip
    pacing_pause(enrollment=enrollment, reason_code="life_event", author=clinician, now=NOV_10)
    with pytest.raises(PacingError, match="active program can be paused"):
        pacing_pause(enrollment=enrollment, reason_code="life_event", author=clinician,
                     now=NOV_10)  # fmt: skip
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_since) == (EnrollmentStatus.PAUSED, NOV_10)


def test_a_pause_across_the_spring_change_moves_the_next_week_by_whole_local_days(db, clinician):
    track = make_track(weeks=12, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(track=track, start_date=date(2027, 2, 22))
    enrollment_release_due_modules(enrollment=enrollment,
                                   now=datetime(2027, 3, 2, 15, tzinfo=UTC))  # fmt: skip
    # Paused Tuesday March 2 at 22:00 in New York (EST), resumed Friday March 19 at 09:00 (EDT):
    # 17 local days, though it is 16 days and 10 hours by the clock.
    pacing_pause(enrollment=enrollment, reason_code="life_event", author=clinician,
                 now=datetime(2027, 3, 3, 3, tzinfo=UTC))  # fmt: skip
    pacing_resume(enrollment=enrollment, reason_code="client_request", author=clinician,
                  now=datetime(2027, 3, 19, 13, tzinfo=UTC))  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.paused_days == 17
    # Week 3 was due Monday March 8; 17 days later is Thursday March 25, so it waits for the
    # next release Monday, March 29, at 06:00 in New York (EDT, 10:00 UTC).
    assert enrollment.next_release_at == datetime(2027, 3, 29, 10, tzinfo=UTC)
    assert enrollment.next_release_at.astimezone(NEW_YORK).hour == 6


@pytest.mark.parametrize("days", [0, MAX_SHIFT_DAYS + 1, -(MAX_SHIFT_DAYS + 1), True, "7", 7.5])
def test_a_shift_outside_the_bounds_is_refused_and_changes_nothing(enrollment, clinician, days):
    with pytest.raises(PacingError):
        pacing_shift(enrollment=enrollment, days=days, reason_code="life_event",
                     author=clinician, now=NOV_10)  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.paused_days == 0
    assert not PacingAction.objects.exists()


def test_a_shift_can_move_earlier_but_never_before_the_start(enrollment, clinician):
    pacing_shift(enrollment=enrollment, days=MAX_SHIFT_DAYS, reason_code="life_event",
                 author=clinician, now=NOV_10)  # fmt: skip
    pacing_shift(enrollment=enrollment, days=-MAX_SHIFT_DAYS, reason_code="life_event",
                 author=clinician, now=NOV_10)  # fmt: skip
    with pytest.raises(PacingError, match="before its start"):
        pacing_shift(enrollment=enrollment, days=-1, reason_code="life_event",
                     author=clinician, now=NOV_10)  # fmt: skip
    enrollment.refresh_from_db()
    assert enrollment.paused_days == 0


def test_every_verb_needs_a_known_reason_and_a_short_note(enrollment, clinician):
    with pytest.raises(PacingError, match="reason"):
        pacing_pause(enrollment=enrollment, reason_code="because", author=clinician, now=NOV_10)
    with pytest.raises(PacingError, match="2,000"):
        pacing_pause(enrollment=enrollment, reason_code="life_event", author=clinician,
                     now=NOV_10, note="x" * 2001)  # fmt: skip
    assert not PacingAction.objects.exists()
