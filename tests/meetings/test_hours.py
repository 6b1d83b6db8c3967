"""Hours per week, worked out by hand: group and individual minutes attended and completed
lessons' minutes, in the client's own weeks (Monday to Sunday in their zone), across a week
boundary that is also New York's autumn clock change (Sunday 1 November 2026, 02:00)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from courses.models import Lesson, LessonProgress
from meetings.attendance_services import Mark, attendance_record
from meetings.hours import (
    client_hours,
    hours_of,
    in_program,
    program_minutes,
    weekly_hours,
    weeks_minutes,
)
from meetings.models import Occurrence
from meetings.services import individual_session_book
from tests.factories import UserFactory
from tests.meetings.helpers import group_with_sessions

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 6, 12, 0, tzinfo=UTC)  # Friday 6 November
NY = "America/New_York"


@pytest.fixture
def week_of_work():
    """Member 01 of a New York group (Tuesdays 18:30, from Monday 26 October):

    week of Mon 26 Oct (EDT, then EST from Sunday 02:00):
      group Tue 27 Oct present                    90
      individual Sun 1 Nov 23:30 EST, 50 minutes  50  (04:30 UTC on Monday: still Sunday here)
      lesson done Sun 1 Nov 23:50 EST, 20 minutes 20
      = 160 minutes, 2.7 hours
    week of Mon 2 Nov (EST):
      group Tue 3 Nov late, 60 minutes            60
      lesson done Mon 2 Nov 00:10 EST, 15 minutes 15
      a lesson started, never completed            0
      = 75 minutes, 1.3 hours (1.25 rounded half up)
    """
    lead = UserFactory(role="clinician", timezone="Europe/London")
    cohort, (client, other), sessions = group_with_sessions(
        lead=lead, members=2, start=date(2026, 10, 26), now=BEFORE, tz=NY, weeks=2
    )
    attendance_record(
        occurrence=sessions[0],
        marks=[Mark(client.pk, "present"), Mark(other.pk, "absent")],
        by=lead,
        now=NOW,
    )
    attendance_record(occurrence=sessions[1], marks=[Mark(client.pk, "late", 60)], by=lead, now=NOW)
    series = individual_session_book(
        clinician=lead, client=client, day=date(2026, 11, 1), start_time=time(23, 30),
        length_minutes=50, weeks=1, video_url="https://video.example.org/i", now=BEFORE,
    )  # fmt: skip
    individual = Occurrence.objects.get(series=series)
    assert individual.starts_at == datetime(2026, 11, 2, 4, 30, tzinfo=UTC)
    attendance_record(occurrence=individual, marks=[Mark(client.pk, "present")], by=lead, now=NOW)
    enrollment = client.enrollments.get()
    lessons = list(Lesson.objects.filter(module__track=cohort.track).order_by("pk")[:3])
    for lesson, minutes, completed in (
        (lessons[0], 20, datetime(2026, 11, 2, 4, 50, tzinfo=UTC)),
        (lessons[1], 15, datetime(2026, 11, 2, 5, 10, tzinfo=UTC)),
        (lessons[2], 30, None),
    ):
        Lesson.objects.filter(pk=lesson.pk).update(minutes=minutes)
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, started_at=datetime(2026, 11, 1, tzinfo=UTC),
            completed_at=completed,
        )  # fmt: skip
    return client, other


def test_the_worked_example_week_by_week(week_of_work, django_assert_num_queries):
    client, other = week_of_work
    with django_assert_num_queries(2):
        weeks = weekly_hours(
            client_id=client.pk, zone=NY, first_day=date(2026, 10, 26), now=NOW,
            target_hours=Decimal("9"),
        )  # fmt: skip
    assert [w.monday for w in weeks] == [date(2026, 10, 26), date(2026, 11, 2)]
    first, second = weeks
    assert (first.minutes.group, first.minutes.individual, first.minutes.lessons) == (90, 50, 20)
    assert (first.minutes.total, first.hours) == (160, Decimal("2.7"))
    assert (second.minutes.group, second.minutes.individual, second.minutes.lessons) == (60, 0, 15)
    assert (second.minutes.total, second.hours) == (75, Decimal("1.3"))
    assert not first.met
    # The absent member has nothing; a week in UTC would have put Sunday night in the next week.
    by_utc = program_minutes(zones={client.pk: "UTC"})[client.pk]
    assert by_utc[date(2026, 11, 2)].total == 50 + 60 + 20 + 15
    assert dict(program_minutes(zones={other.pk: NY})[other.pk]) == {}


def test_many_clients_at_once_agree_with_one_at_a_time(week_of_work, django_assert_num_queries):
    """The reports' read (every client, every week, two queries) gives the worked example's
    figures, and a client in another zone has their own weeks."""
    client, other = week_of_work
    mondays = [date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2)]
    with django_assert_num_queries(2):
        many = weeks_minutes(zones={client.pk: NY, other.pk: "Asia/Tokyo"}, mondays=mondays)
    one = weekly_hours(
        client_id=client.pk, zone=NY, first_day=date(2026, 10, 26), now=NOW,
        target_hours=Decimal("9"),
    )  # fmt: skip
    assert [many[client.pk][w.monday] for w in one] == [w.minutes for w in one]
    assert many[client.pk][date(2026, 10, 19)].total == 0
    assert {m: v.total for m, v in many[other.pk].items()} == dict.fromkeys(mondays, 0)
    assert weeks_minutes(zones={}, mondays=mondays) == {}


def test_a_client_counts_in_the_weeks_their_program_runs():
    start = date(2026, 11, 4)  # a Wednesday: its week counts
    weeks = [date(2026, 11, 2) + timedelta(weeks=n) for n in range(-1, 4)]
    assert [in_program(anchor=start, weeks=2, paused_days=0, monday=m) for m in weeks] == [
        False, True, True, True, False
    ]  # fmt: skip
    # 2 weeks from Wednesday 4 Nov end on Tuesday 17 Nov; 6 paused days more reach Monday 23.
    assert in_program(anchor=start, weeks=2, paused_days=6, monday=date(2026, 11, 23))
    assert not in_program(anchor=start, weeks=2, paused_days=5, monday=date(2026, 11, 23))


def test_the_clients_hours_take_their_tracks_target(week_of_work):
    client, _ = week_of_work
    track = client.enrollments.get().track
    track.weekly_hours_target = Decimal("2.5")
    track.save()
    hours = client_hours(client=client, now=NOW)
    assert hours is not None
    assert hours.target_hours == Decimal("2.5")
    assert [w.met for w in hours.weeks] == [True, False]
    assert hours.average_hours == Decimal("2.0")  # 235 minutes over two weeks
    assert hours.chart is not None and "2.7 hours" in hours.chart.svg


def test_hours_are_rounded_to_the_tenth_half_up():
    assert [hours_of(m) for m in (0, 3, 75, 539, 540)] == [
        Decimal("0.0"), Decimal("0.1"), Decimal("1.3"), Decimal("9.0"), Decimal("9.0")
    ]  # fmt: skip
