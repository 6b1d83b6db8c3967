"""When each week opens: pure functions, over DST, mid-week starts, cohorts and pauses."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.localtime import local_instant
from courses.schedule import due_at, due_date, due_weeks

SIX = time(6, 0)
NY, CHI = "America/New_York", "America/Chicago"


def local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def test_week_one_opens_on_the_anchor_day_even_mid_week():
    wednesday = date(2026, 11, 4)
    assert due_date(anchor=wednesday, week=1, release_weekday=0) == wednesday


def test_later_weeks_open_on_the_release_weekday_on_or_after_the_week_mark():
    wednesday = date(2026, 11, 4)
    # Week 2's mark is Wednesday 11th; the next Monday is the 16th.
    assert due_date(anchor=wednesday, week=2, release_weekday=0) == date(2026, 11, 16)
    assert due_date(anchor=wednesday, week=3, release_weekday=0) == date(2026, 11, 23)


def test_a_monday_cohort_opens_every_monday():
    monday = date(2026, 11, 2)
    days = [due_date(anchor=monday, week=w, release_weekday=0) for w in range(1, 5)]
    assert days == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


def test_paused_days_push_every_later_week_back():
    monday = date(2026, 11, 2)
    assert due_date(anchor=monday, week=3, release_weekday=0, paused_days=3) == date(2026, 11, 23)
    assert due_date(anchor=monday, week=3, release_weekday=0, paused_days=7) == date(2026, 11, 23)
    assert due_date(anchor=monday, week=3, release_weekday=0, paused_days=8) == date(2026, 11, 30)


@pytest.mark.parametrize("tz", [NY, CHI])
def test_six_in_the_morning_stays_six_in_the_morning_across_both_dst_changes(tz):
    # 2026: clocks go forward on March 8 and back on November 1 in the US.
    anchor = date(2026, 2, 23)  # a Monday; weeks run through the spring change
    for week in range(1, 40):
        instant = due_at(anchor=anchor, week=week, release_weekday=0, release_time=SIX, tz=tz)
        there = local(instant, tz)
        assert (there.hour, there.minute, there.weekday()) == (6, 0, 0), (week, there)
        assert instant.tzinfo == UTC


def test_the_utc_instant_moves_by_an_hour_at_the_spring_change_in_new_york():
    before = due_at(anchor=date(2026, 3, 2), week=1, release_weekday=0, release_time=SIX, tz=NY)
    after = due_at(anchor=date(2026, 3, 2), week=2, release_weekday=0, release_time=SIX, tz=NY)
    assert before == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # EST, UTC-5
    assert after == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # EDT, UTC-4


def test_chicago_and_new_york_open_the_same_local_hour_an_hour_apart():
    ny = due_at(anchor=date(2026, 11, 2), week=1, release_weekday=0, release_time=SIX, tz=NY)
    chi = due_at(anchor=date(2026, 11, 2), week=1, release_weekday=0, release_time=SIX, tz=CHI)
    assert (chi - ny).total_seconds() == 3600


def test_a_time_inside_the_spring_gap_moves_to_the_first_valid_instant():
    instant = local_instant(date(2026, 3, 8), time(2, 30), NY)
    assert instant == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    assert local(instant, NY).hour == 3


def test_a_repeated_time_at_the_autumn_change_takes_its_first_occurrence():
    instant = local_instant(date(2026, 11, 1), time(1, 30), CHI)
    assert instant == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT, UTC-5


@pytest.mark.parametrize("tz", [NY, CHI])
def test_no_week_is_skipped_or_doubled_over_a_whole_year(tz):
    anchor = date(2026, 1, 5)
    instants = [
        due_at(anchor=anchor, week=w, release_weekday=0, release_time=SIX, tz=tz)
        for w in range(1, 53)
    ]
    days = [local(i, tz).date() for i in instants]
    assert len(set(days)) == 52
    assert all((b - a).days == 7 for a, b in zip(days, days[1:], strict=False))


def test_due_weeks_lists_what_is_open_at_a_moment():
    anchor = date(2026, 11, 2)
    now = datetime(2026, 11, 23, 10, 59, tzinfo=UTC)  # 05:59 in New York on week 4's Monday
    kwargs = dict(anchor=anchor, weeks=12, release_weekday=0, release_time=SIX, tz=NY)
    assert due_weeks(**kwargs, paused_days=0, now=now) == [1, 2, 3]
    assert due_weeks(**kwargs, paused_days=0, now=now.replace(hour=11)) == [1, 2, 3, 4]


def test_week_zero_is_refused():
    with pytest.raises(ValueError):
        due_date(anchor=date(2026, 1, 5), week=0, release_weekday=0)
