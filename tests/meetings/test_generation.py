"""Generating sessions: the track's weeks from the cohort's start, the same wall-clock time
across both DST changes in two zones, idempotent, and a change to the series rewriting only the
sessions still to come."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from audit.models import Action, AuditEvent
from meetings.generation import meeting_days, session_instants, weeks_of
from meetings.models import Occurrence, OccurrenceStatus
from meetings.services import (
    SessionError,
    occurrence_cancel,
    occurrence_move,
    series_create,
    series_generate,
    series_update,
)

from .conftest import fields

BEFORE_START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
# Between the two New York changes of 2026 (8 March, 1 November) and after the second.
MID_NOVEMBER = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)


def _local(occurrence, tz="America/New_York"):
    return occurrence.starts_at.astimezone(ZoneInfo(tz))


def test_meeting_days_are_each_weekday_in_the_range_both_ends_included():
    assert meeting_days(
        weekday=1, active_from=date(2026, 10, 5), active_until=date(2026, 10, 20)
    ) == [
        date(2026, 10, 6),
        date(2026, 10, 13),
        date(2026, 10, 20),
    ]
    assert (
        meeting_days(weekday=0, active_from=date(2026, 10, 6), active_until=date(2026, 10, 11))
        == []
    )


def test_a_track_of_twelve_weeks_from_the_cohorts_start_ends_the_day_before_week_thirteen():
    assert weeks_of(start=date(2026, 10, 5), weeks=12) == (date(2026, 10, 5), date(2026, 12, 27))


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        # New York: EDT (UTC-4) then EST (UTC-5) from 1 November; EST then EDT from 14 March 2027.
        ("America/New_York", (date(2026, 10, 27), 22), (date(2026, 11, 3), 23)),
        ("America/New_York", (date(2027, 3, 9), 23), (date(2027, 3, 16), 22)),
        # London: BST (UTC+1) then GMT from 25 October; GMT then BST from 28 March.
        ("Europe/London", (date(2026, 10, 20), 17), (date(2026, 10, 27), 18)),
        ("Europe/London", (date(2027, 3, 23), 18), (date(2027, 3, 30), 17)),
    ],
)
def test_the_wall_clock_time_is_kept_across_both_dst_changes(tz, before, after):
    for day, utc_hour in (before, after):
        starts_at, ends_at = session_instants(
            day=day, start_time=time(18, 30), tz=tz, length_minutes=90
        )
        assert starts_at.astimezone(ZoneInfo(tz)).time() == time(18, 30)
        assert (starts_at.astimezone(UTC).hour, starts_at.minute) == (utc_hour, 30)
        assert ends_at - starts_at == timedelta(minutes=90)


def test_a_cohort_series_holds_one_session_a_week_for_the_tracks_length_at_1830_local(
    cohort, lead, admin_user
):
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    sessions = list(series.occurrences.order_by("starts_at"))
    assert len(sessions) == 12
    assert [s.local_date for s in sessions][:2] == [date(2026, 10, 6), date(2026, 10, 13)]
    assert {_local(s).time() for s in sessions} == {time(18, 30)}
    # The DST change of 1 November moves the UTC hour, never the local one.
    assert {s.starts_at.astimezone(UTC).hour for s in sessions} == {22, 23}
    assert {s.clinician_id for s in sessions} == {lead.pk}
    event = AuditEvent.objects.get(action=Action.SESSION_SERIES_CREATED)
    assert event.metadata == {"cohort": cohort.pk, "sessions": 12}
    assert "video" not in str(event.metadata)


def test_a_series_in_london_keeps_its_local_time_across_the_october_change(
    cohort, lead, admin_user
):
    cohort.timezone = "Europe/London"
    cohort.save()
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    assert {_local(s, "Europe/London").time() for s in series.occurrences.all()} == {time(18, 30)}
    assert {s.starts_at.astimezone(UTC).hour for s in series.occurrences.all()} == {17, 18}


def test_generating_again_adds_nothing(cohort, lead, admin_user):
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    assert series_generate(series=series, now=BEFORE_START) == 0
    assert series_generate(series=series, now=BEFORE_START) == 0
    assert series.occurrences.count() == 12


def test_a_change_of_time_rewrites_only_the_sessions_still_to_come(cohort, lead, admin_user):
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    past_before = {
        o.pk: (o.starts_at, o.ends_at, o.local_date)
        for o in series.occurrences.filter(starts_at__lte=MID_NOVEMBER)
    }
    future_ids = set(
        series.occurrences.filter(starts_at__gt=MID_NOVEMBER).values_list("pk", flat=True)
    )
    series_update(
        series=series,
        fields=fields(lead, start_time=time(17, 0), length_minutes=60),
        acting_user=admin_user,
        now=MID_NOVEMBER,
    )
    for o in series.occurrences.filter(pk__in=past_before):
        assert (o.starts_at, o.ends_at, o.local_date) == past_before[o.pk]
    future = list(series.occurrences.filter(starts_at__gt=MID_NOVEMBER))
    assert {o.pk for o in future} == future_ids  # the same rows, kept
    assert {_local(o).time() for o in future} == {time(17, 0)}
    assert {o.ends_at - o.starts_at for o in future} == {timedelta(minutes=60)}
    event = AuditEvent.objects.get(action=Action.SESSION_SERIES_UPDATED)
    assert event.metadata["changed"] == "length_minutes,start_time"


def test_a_change_of_weekday_moves_the_future_to_the_new_day_and_leaves_the_past(
    cohort, lead, admin_user
):
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    past = set(
        series.occurrences.filter(starts_at__lte=MID_NOVEMBER).values_list("pk", "local_date")
    )
    series_update(
        series=series, fields=fields(lead, weekday=3), acting_user=admin_user, now=MID_NOVEMBER
    )
    assert (
        set(series.occurrences.filter(starts_at__lte=MID_NOVEMBER).values_list("pk", "local_date"))
        == past
    )
    future_days = list(
        series.occurrences.filter(starts_at__gt=MID_NOVEMBER).values_list("local_date", flat=True)
    )
    assert future_days and {d.weekday() for d in future_days} == {3}
    assert future_days[0] == date(2026, 11, 12)  # Thursday 12 November, 18:30 is still to come


def test_a_future_cancellation_holds_through_a_change_of_time(cohort, lead, admin_user):
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    target = series.occurrences.get(local_date=date(2026, 12, 1))
    occurrence_cancel(occurrence=target, acting_user=admin_user, now=MID_NOVEMBER)
    series_update(
        series=series,
        fields=fields(lead, start_time=time(19, 0)),
        acting_user=admin_user,
        now=MID_NOVEMBER,
    )
    target.refresh_from_db()
    assert target.status == OccurrenceStatus.CANCELLED


def test_the_clinician_of_a_series_leads_its_sessions_to_come_only(cohort, lead, admin_user):
    from accounts.roles import Role
    from tests.factories import UserFactory

    other = UserFactory(role=Role.CLINICIAN)
    cohort.clinicians.add(other)
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    series_update(series=series, fields=fields(other), acting_user=admin_user, now=MID_NOVEMBER)
    assert set(
        series.occurrences.filter(starts_at__lte=MID_NOVEMBER).values_list(
            "clinician_id", flat=True
        )
    ) == {lead.pk}
    assert set(
        series.occurrences.filter(starts_at__gt=MID_NOVEMBER).values_list("clinician_id", flat=True)
    ) == {other.pk}


def test_a_series_led_by_someone_outside_the_cohort_is_refused(cohort, admin_user):
    from accounts.roles import Role
    from tests.factories import UserFactory

    stranger = UserFactory(role=Role.CLINICIAN)
    with pytest.raises(SessionError, match="cohort's clinicians"):
        series_create(
            cohort=cohort, fields=fields(stranger), acting_user=admin_user, now=BEFORE_START
        )
    assert not Occurrence.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"length_minutes": 0}, "length_minutes"),
        ({"video_url": "http://video.example.org/room"}, "video_url"),
        ({"active_until": date(2026, 10, 1)}, "active_until"),
        ({"active_until": date(2029, 10, 1)}, "active_until"),
    ],
)
def test_bad_series_fields_are_refused_and_nothing_is_stored(
    cohort, lead, admin_user, changes, field
):
    with pytest.raises(SessionError) as refused:
        series_create(
            cohort=cohort, fields=fields(lead, **changes), acting_user=admin_user, now=BEFORE_START
        )
    assert refused.value.field == field
    assert not Occurrence.objects.exists()


def test_moving_one_session_keeps_its_plan_and_leaves_the_others(cohort, lead, admin_user):
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    target = series.occurrences.get(local_date=date(2026, 12, 1))
    planned = target.starts_at
    moved = occurrence_move(
        occurrence=target,
        day=date(2026, 12, 3),
        start_time=time(12, 0),
        acting_user=admin_user,
        now=MID_NOVEMBER,
    )
    assert moved.status == OccurrenceStatus.MOVED
    assert moved.planned_starts_at == planned
    assert _local(moved) == datetime(2026, 12, 3, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    assert moved.ends_at - moved.starts_at == timedelta(minutes=90)
    assert series.occurrences.filter(status=OccurrenceStatus.SCHEDULED).count() == 11
    assert AuditEvent.objects.filter(action=Action.SESSION_MOVED, target_id=str(target.pk)).exists()


def test_a_past_session_cannot_be_moved_or_cancelled_and_nothing_moves_into_the_past(
    cohort, lead, admin_user
):
    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    past = series.occurrences.get(local_date=date(2026, 10, 6))
    with pytest.raises(SessionError):
        occurrence_cancel(occurrence=past, acting_user=admin_user, now=MID_NOVEMBER)
    with pytest.raises(SessionError):
        occurrence_move(
            occurrence=past,
            day=date(2026, 12, 3),
            start_time=time(12),
            acting_user=admin_user,
            now=MID_NOVEMBER,
        )
    coming = series.occurrences.get(local_date=date(2026, 12, 1))
    with pytest.raises(SessionError) as refused:
        occurrence_move(
            occurrence=coming,
            day=date(2026, 11, 1),
            start_time=time(12),
            acting_user=admin_user,
            now=MID_NOVEMBER,
        )
    assert refused.value.field == "day"
    assert not series.occurrences.exclude(status=OccurrenceStatus.SCHEDULED).exists()


@pytest.mark.parametrize(
    "changes",
    [{"length_minutes": 0}, {"video_url": "http://video.example.org/r"}, {"cohort": None}],
)
def test_the_database_refuses_a_series_that_breaks_its_rules(cohort, lead, changes):
    from django.db import IntegrityError, transaction

    from meetings.models import SeriesKind, SessionSeries

    values = {
        "kind": SeriesKind.GROUP, "cohort": cohort, "clinician": lead, "weekday": 1,
        "start_time": time(18, 30), "length_minutes": 90, "timezone": "America/New_York",
        "video_url": "https://video.example.org/r", "active_from": date(2026, 10, 5),
        "active_until": date(2026, 12, 27), "created_at": BEFORE_START, "updated_at": BEFORE_START,
    }  # fmt: skip
    values.update(changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionSeries.objects.create(**values)


def test_the_database_keeps_one_session_per_series_and_day(cohort, lead, admin_user):
    from django.db import IntegrityError, transaction

    series = series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )
    first = series.occurrences.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Occurrence.objects.create(
            series=series, local_date=first.local_date, starts_at=first.starts_at,
            ends_at=first.ends_at, clinician=lead,
        )  # fmt: skip
