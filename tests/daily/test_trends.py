"""The client's trends: the selector (windows of 4, 8 and 12 weeks in the client's own local days,
days held counted up and never reset) and the page (its switch, its gate, its query budget)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from daily.charts import trends_charts
from daily.models import BottomLines, Part, PracticeLog
from daily.selectors.trends import client_trends, weeks_from

from ..factories import (
    CheckinFactory,
    LapseFactory,
    PracticeLogFactory,
    UrgeLogFactory,
    UserFactory,
)

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)  # in UTC and in New York at NOW


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def alex(db):
    return UserFactory(role=Role.CLIENT, preferred_name="Alex", timezone="America/New_York")


def history(client, days: int, *, today: date = TODAY) -> None:
    """`days` days of check-ins before and including `today`: every third day a lapse, the rest
    held; mood, urge and part vary; a practice and an urge every other day."""
    parts = list(Part)
    for back in range(days):
        day = today - timedelta(days=back)
        lapsed = back % 3 == 2
        checkin = CheckinFactory(
            client=client,
            day=day,
            mood=back % 11,
            urge=(back * 3) % 11,
            loudest_part=parts[back % 5],
            bottom_lines=BottomLines.LAPSED if lapsed else BottomLines.HELD,
        )
        if lapsed:
            LapseFactory(client=client, day=day, checkin=checkin)
        if back % 2 == 0:
            PracticeLogFactory(client=client, day=day, suds_before=8, suds_after=back % 5)
            UrgeLogFactory(client=client, day=day, intensity=back % 10)


@pytest.mark.parametrize(
    ("asked", "weeks"),
    [("4", 4), ("8", 8), ("12", 12), (None, 4), ("", 4), ("5", 4), ("x", 4), ("12.0", 4)],
)
def test_the_window_asked_for_is_4_8_or_12_weeks_and_anything_else_is_4(asked, weeks):
    assert weeks_from(asked) == weeks


@pytest.mark.parametrize("weeks", [4, 8, 12])
def test_the_window_is_whole_weeks_ending_on_the_clients_local_today(alex, weeks):
    trends = client_trends(client=alex, now=NOW, weeks=weeks)
    assert trends.last == TODAY
    assert trends.first == TODAY - timedelta(days=7 * weeks - 1)
    assert len(trends.week_rows) == weeks
    assert trends.week_rows[-1].last == TODAY
    assert trends.days == 7 * weeks


def test_the_check_in_rate_counts_days_with_an_evening_review(alex):
    CheckinFactory(client=alex, day=TODAY)
    CheckinFactory(client=alex, day=TODAY - timedelta(days=1))
    CheckinFactory(client=alex, day=TODAY - timedelta(days=2), evening_at=None, mood=None)
    CheckinFactory(client=alex, day=TODAY - timedelta(days=7))  # the week before
    CheckinFactory(client=alex, day=TODAY - timedelta(days=28))  # before the 4 weeks
    trends = client_trends(client=alex, now=NOW, weeks=4)
    assert [row.reviewed for row in trends.week_rows] == [0, 0, 1, 2]
    assert trends.reviewed == 3
    assert trends.rate == round(100 * 3 / 28)
    assert trends.week_rows[-1].rate == 29


def test_mood_and_urge_are_weekly_averages_with_none_for_a_week_without_answers(alex):
    CheckinFactory(client=alex, day=TODAY, mood=3, urge=8)
    CheckinFactory(client=alex, day=TODAY - timedelta(days=1), mood=6, urge=None)
    trends = client_trends(client=alex, now=NOW, weeks=4)
    assert trends.week_rows[-1].mood == 4.5
    assert trends.week_rows[-1].urge == 8
    assert trends.week_rows[0].mood is None


def test_days_held_count_up_over_all_history_and_a_lapse_never_takes_any_away(alex):
    for back in (200, 100, 20, 3, 1):
        CheckinFactory(client=alex, day=TODAY - timedelta(days=back))
    lapse_day = CheckinFactory(
        client=alex, day=TODAY - timedelta(days=2), bottom_lines=BottomLines.LAPSED
    )
    LapseFactory(client=alex, day=lapse_day.day, checkin=lapse_day)
    trends = client_trends(client=alex, now=NOW, weeks=4)
    assert trends.held_total == 5
    assert trends.held_in_window == 3
    held = [row.held_to_date for row in trends.week_rows]
    assert held == sorted(held)  # never goes down
    assert held[0] == 2 and held[-1] == 5
    assert trends.lapses == 1


def test_the_loudest_parts_are_counted_per_part_loudest_first(alex):
    for back, part in enumerate([Part.TEENAGER, Part.TEENAGER, Part.WITNESS, ""]):
        CheckinFactory(client=alex, day=TODAY - timedelta(days=back), loudest_part=part)
    trends = client_trends(client=alex, now=NOW, weeks=4)
    assert [(p.part, p.count) for p in trends.parts[:2]] == [("teenager", 2), ("witness", 1)]
    assert len(trends.parts) == 5 and trends.any_part


def test_suds_change_is_averaged_per_practice_in_the_window(alex):
    PracticeLogFactory(client=alex, day=TODAY, suds_before=8, suds_after=3)
    PracticeLogFactory(client=alex, day=TODAY, suds_before=6, suds_after=4)
    PracticeLogFactory(
        client=alex, day=TODAY, practice=PracticeLog.Practice.GROUNDING, suds_before=5,
        suds_after=5,
    )  # fmt: skip
    PracticeLogFactory(client=alex, day=TODAY - timedelta(days=40))  # outside 4 weeks
    UrgeLogFactory(client=alex, day=TODAY, intensity=4)
    UrgeLogFactory(client=alex, day=TODAY, intensity=7)
    trends = client_trends(client=alex, now=NOW, weeks=4)
    breathing, grounding = trends.practices
    assert (breathing.label, breathing.count, breathing.before, breathing.after) == (
        "Slow breathing", 2, 7.0, 3.5,
    )  # fmt: skip
    assert breathing.change == -3.5
    assert (grounding.count, grounding.change) == (1, 0)
    assert (trends.urges, trends.urge_average) == (2, 5.5)
    assert client_trends(client=alex, now=NOW, weeks=8).practices[0].count == 3


def test_a_client_in_a_far_zone_is_counted_in_their_own_local_days(db):
    # At NOW (15:00 UTC) it is already Dec 3 in Kiritimati (UTC+14).
    far = UserFactory(role=Role.CLIENT, timezone="Pacific/Kiritimati")
    CheckinFactory(client=far, day=date(2026, 12, 3))
    CheckinFactory(client=far, day=date(2026, 11, 6))  # the first day of their 4 weeks
    CheckinFactory(client=far, day=date(2026, 11, 5))  # the day before
    trends = client_trends(client=far, now=NOW, weeks=4)
    assert (trends.first, trends.last) == (date(2026, 11, 6), date(2026, 12, 3))
    assert [row.reviewed for row in trends.week_rows] == [1, 0, 0, 1]
    assert trends.held_total == 3 and trends.held_in_window == 2


def test_another_clients_rows_never_count(alex):
    other = UserFactory(role=Role.CLIENT)
    history(other, 30)
    trends = client_trends(client=alex, now=NOW, weeks=12)
    assert (trends.reviewed, trends.held_total, trends.urges, trends.lapses) == (0, 0, 0, 0)
    assert trends.practices == []


def test_every_chart_is_drawn_with_no_history_and_with_a_long_one(alex):
    empty = trends_charts(client_trends(client=alex, now=NOW, weeks=4))
    assert "No practices" in empty["suds"].summary
    history(alex, 90)
    charts = trends_charts(client_trends(client=alex, now=NOW, weeks=12))
    assert charts["rate"].body.count("<rect") == 12
    assert "<title>" in charts["mood"].body and "polyline" in charts["held"].body
    assert "before 8" in charts["suds"].body


# --- The page ------------------------------------------------------------------------------------


def test_the_page_shows_the_clients_own_trends_and_switches_window(client, alex, signed_in):
    history(alex, 40)
    signed_in(alex)
    response = client.get(reverse("daily:trends"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and "<details" in html
    assert '?weeks=4" aria-current="page"' in html
    assert "last 4 weeks" in html
    assert "Nothing here yet" not in html
    response = client.get(reverse("daily:trends"), {"weeks": "12"})
    assert '?weeks=12" aria-current="page"' in response.content.decode()
    assert response.context["trends"].weeks == 12


@pytest.mark.parametrize("weeks", ["0", "-4", "999999999999999999999", "4; drop", "%00"])
def test_a_window_that_does_not_fit_shows_4_weeks_never_an_error(client, alex, signed_in, weeks):
    signed_in(alex)
    response = client.get(reverse("daily:trends"), {"weeks": weeks})
    assert response.status_code == 200
    assert response.context["trends"].weeks == 4


def test_the_page_reads_only_for_get(client, alex, signed_in):
    signed_in(alex)
    assert client.post(reverse("daily:trends")).status_code == 405


def test_another_client_sees_only_their_own_empty_trends(client, alex, signed_in):
    history(alex, 20)
    other = UserFactory(role=Role.CLIENT)
    signed_in(other)
    response = client.get(reverse("daily:trends"))
    assert response.status_code == 200
    assert response.context["trends"].reviewed == 0
    html = response.content.decode()
    assert "Nothing here yet for these weeks, and that is fine." in html and "<svg" not in html


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.SUPERVISOR, Role.BILLING, Role.ADMIN])
def test_staff_and_the_clients_clinician_get_404(client, alex, signed_in, role):
    signed_in(UserFactory(role=role))
    assert client.get(reverse("daily:trends")).status_code == 404


def test_the_page_costs_the_same_queries_with_no_history_and_with_180_days(
    client, alex, signed_in, django_assert_max_num_queries
):
    signed_in(alex)
    client.get(reverse("daily:trends"))
    # Session and user, then the figures (daily/queries.py): 3.
    with django_assert_max_num_queries(3) as empty:
        assert client.get(reverse("daily:trends"), {"weeks": "12"}).status_code == 200
    history(alex, 180)
    with django_assert_max_num_queries(3) as full:
        response = client.get(reverse("daily:trends"), {"weeks": "12"})
    assert response.context["trends"].reviewed == 84
    assert len(full.captured_queries) == len(empty.captured_queries)


@pytest.mark.parametrize(
    ("now", "today"),
    [
        # 00:30 in New York on the night the clocks go back.
        (datetime(2026, 11, 1, 4, 30, tzinfo=UTC), date(2026, 11, 1)),
        # 23:59 in New York on Oct 31, already Nov 1 in UTC.
        (datetime(2026, 11, 1, 3, 59, tzinfo=UTC), date(2026, 10, 31)),
        # The night the clocks go forward, just after the missing hour.
        (datetime(2027, 3, 14, 7, 1, tzinfo=UTC), date(2027, 3, 14)),
    ],
)
def test_the_window_follows_the_clients_midnight_across_clock_changes(alex, now, today):
    CheckinFactory(client=alex, day=today)
    CheckinFactory(client=alex, day=today + timedelta(days=1))  # not yet theirs
    trends = client_trends(client=alex, now=now, weeks=8)
    assert (trends.first, trends.last) == (today - timedelta(days=55), today)
    assert trends.reviewed == 1 and trends.week_rows[-1].reviewed == 1
