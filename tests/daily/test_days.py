"""The client's days as they read them (daily/selectors/days.py): the last week's marks, in
words, with links only where a day can still be filled in or changed, in the client's zone."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from daily.selectors.days import (
    HELD,
    LAPSED,
    NOT_FILLED,
    STARTED,
    current_run,
    days_held,
    week_marks,
)
from daily.services.checkins import checkin_save

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
DAY = date(2026, 11, 25)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ny(client_a):
    client_a.timezone = "America/New_York"
    client_a.save(update_fields=["timezone"])
    return client_a


def test_a_client_with_no_check_ins_has_seven_open_days_and_nothing_held(ny):
    marks = week_marks(client=ny, now=NOW)
    assert [m.day for m in marks] == [DAY - timedelta(days=n) for n in range(6, -1, -1)]
    assert {m.state for m in marks} == {NOT_FILLED}
    assert marks[-1].is_today and marks[-1].url == reverse("daily:today")
    assert marks[0].url == reverse("daily:checkin_day", kwargs={"day": DAY - timedelta(days=6)})
    assert (days_held(client=ny), current_run(client=ny, now=NOW)) == (0, 0)


def test_each_mark_says_in_words_what_the_day_holds(ny):
    checkin_save(client=ny, day=DAY - timedelta(days=1), now=NOW - timedelta(days=1),
                 evening={"bottom_lines": "held"})  # fmt: skip
    checkin_save(
        client=ny, day=DAY - timedelta(days=2), now=NOW, evening={"bottom_lines": "lapsed"}
    )
    checkin_save(client=ny, day=DAY, now=NOW, intention="Gently")
    marks = {m.day: m for m in week_marks(client=ny, now=NOW)}
    yesterday, before, today = (marks[DAY - timedelta(days=1)], marks[DAY - timedelta(days=2)],
                                marks[DAY])  # fmt: skip
    assert (yesterday.state, yesterday.text, yesterday.late) == (HELD, "Held", False)
    assert (before.state, before.text, before.late) == (LAPSED, "Lapse noted", True)
    assert (today.state, today.text) == (STARTED, "Started")


def test_a_day_closed_for_changes_has_no_link(ny):
    old = DAY - timedelta(days=4)
    checkin_save(client=ny, day=old, now=NOW - timedelta(days=4), intention="x")
    marks = {m.day: m for m in week_marks(client=ny, now=NOW)}
    assert marks[old].url == ""
    assert marks[DAY - timedelta(days=3)].url  # never filled: can still be filled in


def test_the_week_is_the_clients_local_week(ny):
    # 00:30 on Thursday in UTC is still Wednesday evening in New York.
    late_evening = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
    assert week_marks(client=ny, now=late_evening)[-1].day == DAY


def test_the_week_costs_one_query_whatever_the_history(ny, django_assert_num_queries):
    for n in range(1, 30):
        checkin_save(client=ny, day=DAY - timedelta(days=n % 7), now=NOW, intention=str(n))
    with django_assert_num_queries(1):
        week_marks(client=ny, now=NOW)
    with django_assert_num_queries(1):
        current_run(client=ny, now=NOW)
    with django_assert_num_queries(1):
        days_held(client=ny)
