"""Session reminders: the day before and 30 minutes before, to each client of the session, once
each (the outbox's key), never for a cancelled session, again at a moved session's new time,
through preferences and quiet hours, discreet (no link to the video, no time, no wording about
the program), and a sweep whose cost is flat in the number of sessions."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from meetings.reminders import session_reminder_items, session_reminders_enqueue_due
from meetings.services import (
    individual_session_book,
    occurrence_cancel,
    occurrence_move,
    series_create,
)
from notifications.models import Channel, Kind, Notification, Preference, Status
from notifications.services import render_message
from tests.factories import EnrollmentFactory, UserFactory

from .conftest import LINK, fields

SETUP = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
# Tuesday 1 December 2026, 18:30 in New York is 23:30 UTC.
START = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


@pytest.fixture
def series(cohort, lead, admin_user):
    return series_create(cohort=cohort, fields=fields(lead), acting_user=admin_user, now=SETUP)


@pytest.fixture
def session(series):
    return series.occurrences.get(local_date=date(2026, 12, 1))


def _rows(member):
    return list(Notification.objects.filter(user=member).order_by("pk"))


def test_nothing_is_due_more_than_a_day_ahead(member, session):
    assert session_reminders_enqueue_due(now=START - timedelta(hours=24, minutes=1)) == 0


def test_the_day_before_and_thirty_minutes_before_each_once(member, session):
    for at in (START - timedelta(hours=24), START - timedelta(hours=20)):
        session_reminders_enqueue_due(now=at)
    assert [r.kind for r in _rows(member)] == [Kind.APPOINTMENT_REMINDER]
    for at in (START - timedelta(hours=1), START - timedelta(minutes=31)):
        session_reminders_enqueue_due(now=at)
    assert len(_rows(member)) == 1
    for at in (START - timedelta(minutes=30), START - timedelta(minutes=5)):
        session_reminders_enqueue_due(now=at)
    assert [r.kind for r in _rows(member)] == [Kind.APPOINTMENT_REMINDER, Kind.APPOINTMENT_SOON]
    assert {r.link_target for r in _rows(member)} == {"meetings:mine"}
    assert session_reminders_enqueue_due(now=START) == 0


def test_every_client_of_the_cohort_in_the_program_is_reminded_and_no_one_else(
    cohort, member, session
):
    second = UserFactory(role=Role.CLIENT)
    EnrollmentFactory(client=second, track=cohort.track, cohort=cohort)
    gone = UserFactory(role=Role.CLIENT)
    EnrollmentFactory(client=gone, track=cohort.track, cohort=cohort, status="withdrawn")
    session_reminders_enqueue_due(now=START - timedelta(minutes=20))
    assert set(Notification.objects.values_list("user_id", flat=True)) == {member.pk, second.pk}


def test_a_cancelled_session_is_never_reminded(member, session, admin_user):
    occurrence_cancel(occurrence=session, acting_user=admin_user, now=SETUP)
    assert session_reminders_enqueue_due(now=START - timedelta(minutes=20)) == 0


def test_a_moved_session_is_reminded_at_its_new_time(member, session, admin_user):
    session_reminders_enqueue_due(now=START - timedelta(hours=23))
    occurrence_move(
        occurrence=session, day=date(2026, 12, 2), start_time=time(18, 30),
        acting_user=admin_user, now=START - timedelta(hours=22),
    )  # fmt: skip
    session_reminders_enqueue_due(now=START - timedelta(hours=21))
    assert session_reminders_enqueue_due(now=START + timedelta(hours=4)) == 1  # the new day
    assert len(_rows(member)) == 2


def test_a_switched_off_reminder_is_stored_skipped(member, session):
    Preference.objects.create(user=member, kind=Kind.APPOINTMENT_SOON, channel=Channel.NONE)
    session_reminders_enqueue_due(now=START - timedelta(minutes=20))
    assert [r.status for r in _rows(member)] == [Status.SKIPPED]


def test_a_reminder_quiet_hours_would_hold_past_the_start_is_skipped(lead, member):
    # 07:30 in Los Angeles, the client's zone: 30 minutes before is inside quiet hours
    # (21:00-08:00), which end after the start.
    booked = individual_session_book(
        clinician=lead, client=member, day=date(2026, 12, 3), start_time=time(7, 30),
        length_minutes=50, weeks=1, video_url=LINK, now=SETUP,
    )  # fmt: skip
    starts_at = booked.occurrences.get().starts_at
    assert session_reminder_items(now=starts_at - timedelta(minutes=20)) == []
    # The day before at 07:40 is held until 08:00 that day: still before the start, so sent.
    assert [
        i.kind for i in session_reminder_items(now=starts_at - timedelta(hours=23, minutes=50))
    ] == [Kind.APPOINTMENT_REMINDER]


def test_the_messages_carry_no_video_link_no_time_and_no_program_words(member, session, series):
    session_reminders_enqueue_due(now=START - timedelta(hours=23))
    session_reminders_enqueue_due(now=START - timedelta(minutes=20))
    for row in _rows(member):
        message = render_message(row)
        for part in (message.subject, message.text, message.html, message.sms):
            assert LINK not in part
            assert "video" not in part.lower()
            assert series.cohort.name not in part
            for word in ("session", "group", "program", "therap", "18:30", "15:30"):
                assert word not in part.lower(), (row.kind, word)


def test_the_sweep_is_flat_in_the_number_of_sessions_and_clients(cohort, lead, admin_user, member):
    counts = []
    for extra in (0, 4):
        for _ in range(extra):
            client = UserFactory(role=Role.CLIENT)
            EnrollmentFactory(client=client, track=cohort.track, cohort=cohort)
            individual_session_book(
                clinician=lead, client=client, day=date(2026, 12, 1), start_time=time(18, 30),
                length_minutes=50, weeks=1, video_url=LINK, now=SETUP,
            )  # fmt: skip
        if not extra:
            series_create(cohort=cohort, fields=fields(lead), acting_user=admin_user, now=SETUP)
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            assert session_reminders_enqueue_due(now=START - timedelta(minutes=20)) > 0
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 10, counts


def test_the_beat_task_reads_the_clock_once_and_enqueues_what_is_due(member, session):
    import time_machine

    from ehab.celery import app
    from meetings.tasks import evaluate_reminders

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == evaluate_reminders.name]
    assert entries and entries[0]["schedule"] <= 300
    with time_machine.travel(START - timedelta(minutes=25), tick=False):
        assert evaluate_reminders() == 1
        assert evaluate_reminders() == 0
