"""Reminder rules (courses/reminders.py for clients, care/reminders.py for their clinicians): each
fires once per period, and only when it should."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from care.reminders import care_alerts_enqueue_due
from courses.models import LessonProgress, ModuleRelease
from courses.reminders import course_reminders_enqueue_due
from notifications.models import Channel, DeliverySettings, Kind, Notification
from notifications.services import preference_set
from tests.factories import CareAssignmentFactory, EnrollmentFactory, make_track

RELEASED = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Monday 06:00 in New York


@pytest.fixture
def enrollment(db, client_a):
    track = make_track(weeks=4, lessons_per_module=2, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 23))
    ModuleRelease.objects.create(
        enrollment=enrollment, module=track.modules.get(week=1), released_at=RELEASED,
        reason="schedule",
    )  # fmt: skip
    client_a.last_login = RELEASED
    client_a.save(update_fields=["last_login"])
    return enrollment


def reminders_enqueue_due(*, now):
    """Every rule, as beat runs them."""
    course_reminders_enqueue_due(now=now)
    care_alerts_enqueue_due(now=now)


def kinds():
    return sorted(Notification.objects.values_list("kind", flat=True))


def test_nothing_is_due_on_day_two(enrollment):
    reminders_enqueue_due(now=RELEASED + timedelta(days=2))
    assert kinds() == []


def test_not_started_three_days_after_release_fires_once(enrollment):
    for hours in (0, 1, 5):
        reminders_enqueue_due(now=RELEASED + timedelta(days=3, hours=hours))
    assert kinds() == [Kind.MODULE_NOT_STARTED]


def test_a_started_week_gets_no_not_started_reminder(enrollment):
    lesson = enrollment.track.modules.get(week=1).lessons.first()
    LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, started_at=RELEASED)
    reminders_enqueue_due(now=RELEASED + timedelta(days=3, hours=1))
    assert kinds() == []


def test_started_but_unfinished_on_day_six_gets_encouragement(enrollment):
    lesson = enrollment.track.modules.get(week=1).lessons.first()
    LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, started_at=RELEASED)
    reminders_enqueue_due(now=RELEASED + timedelta(days=6, hours=1))
    assert Kind.MODULE_NOT_FINISHED in kinds()


def test_a_finished_week_gets_no_reminder(enrollment):
    for lesson in enrollment.track.modules.get(week=1).lessons.all():
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, started_at=RELEASED, completed_at=RELEASED
        )
    reminders_enqueue_due(now=RELEASED + timedelta(days=6, hours=1))
    assert Kind.MODULE_NOT_FINISHED not in kinds()


def test_the_check_in_reminder_comes_at_the_clients_own_time_once_a_day(enrollment, client_a):
    preference_set(user=client_a, kind=Kind.CHECKIN_REMINDER, channel=Channel.EMAIL)
    DeliverySettings.objects.create(user=client_a, reminder_time=time(19, 30))
    evening = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 19:30 in New York
    reminders_enqueue_due(now=evening - timedelta(minutes=1))
    assert Kind.CHECKIN_REMINDER not in kinds()
    reminders_enqueue_due(now=evening)
    reminders_enqueue_due(now=evening + timedelta(minutes=10))
    assert kinds().count(Kind.CHECKIN_REMINDER) == 1


def test_seven_days_away_nudges_the_client_and_alerts_the_clinician_once(enrollment, client_a):
    assignment = CareAssignmentFactory(client=client_a)
    week_later = RELEASED + timedelta(days=7, hours=1)
    reminders_enqueue_due(now=week_later)
    reminders_enqueue_due(now=week_later + timedelta(hours=3))
    rows = Notification.objects.filter(kind__in=[Kind.INACTIVITY_NUDGE, Kind.INACTIVITY_ALERT])
    assert sorted((n.kind, n.user_id) for n in rows) == sorted(
        [(Kind.INACTIVITY_NUDGE, client_a.pk), (Kind.INACTIVITY_ALERT, assignment.clinician_id)]
    )
    alert = rows.get(kind=Kind.INACTIVITY_ALERT)
    assert alert.link_target == "care:caseload"
