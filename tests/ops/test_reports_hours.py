"""The reports' program hours per week, worked out by hand on two cohorts: clients counted, the
average hours and the share who reached the track's target, each group's own; small groups and
the figures that would give them away hidden (page and CSV); a new attendance shows at once; the
queries stay flat in the number of cohorts."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Lesson, LessonProgress
from meetings.attendance_services import Mark, attendance_record
from ops.selectors.reports import HOURS_WEEKS, Scope, report_compute
from tests.conftest import sign_in
from tests.factories import CohortFactory, UserFactory
from tests.meetings.helpers import group_with_sessions

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday; this week is Mon 23 November
BEFORE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
START = date(2026, 11, 9)
HIDDEN = "fewer than 5"
WEEK_9, WEEK_16, WEEK_23 = "Week of Nov 9, 2026", "Week of Nov 16, 2026", "Week of Nov 23, 2026"


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
    cache.clear()


def _lesson(enrollments, lesson, *, at):
    LessonProgress.objects.bulk_create(
        LessonProgress(enrollment=e, lesson=lesson, started_at=at, completed_at=at)
        for e in enrollments
    )


@pytest.fixture
def hours(db):
    """A 4-week track (target 2 hours a week) from Monday 9 November: cohort A of 10 clients in
    New York and cohort B of 10 in London, each with a 90-minute group on Tuesdays at 18:30.

    Week of 9 Nov:
      A: all 10 present (90); a1-a5 completed a 30-minute lesson on Sunday 15 Nov 23:30 in New
         York (Monday 04:30 UTC: still their week) = 120, reached; a6-a10 90, not reached.
         1050 minutes over 10: 105, 1.8 hours (1.75 half up); 5 reached, 5 not: 50%.
      B: all 10 present (90); b1-b6 a 45-minute lesson = 135, reached; b7-b10 90, not.
         1170 over 10: 117, 2.0 hours (1.95); 6 reached, 4 not: 4 is small, so B's share
         hides, and so does A's (the track's "not reached" less A's would give B's 4).
      Track: 20 clients, 2220 minutes: 111, 1.9 hours (1.85); 11 reached, 9 not: 55%.
    Week of 16 Nov:
      A: a1-a5 late, 60 minutes, and a 60-minute lesson = 120, reached; a6-a10 absent, 0.
      B: b1-b5 present (90) and a 30-minute lesson = 120, reached; b6-b10 excused, 0.
      Each: 600 over 10, 1.0 hour, 50%. Track: 1.0 hour, 10 and 10: 50%.
    Week of 23 Nov (so far): nobody marked yet: 0.0 hours, nobody reached (the share hides).
    Weeks before 9 Nov: nobody in the program (fewer than 5).
    """
    lead_a = UserFactory(role="clinician", timezone="America/New_York")
    lead_b = UserFactory(role="clinician", timezone="Europe/London")
    a, in_a, sessions_a = group_with_sessions(
        lead=lead_a, members=10, start=START, now=BEFORE, tz="America/New_York", weeks=4
    )
    track = a.track
    track.weekly_hours_target = Decimal("2")
    track.save(update_fields=["weekly_hours_target"])
    b, in_b, sessions_b = group_with_sessions(
        lead=lead_b, members=10, start=START, now=BEFORE, tz="Europe/London", weeks=4,
        cohort=CohortFactory(track=track, name="B", start_date=START, timezone="Europe/London"),
    )  # fmt: skip
    l30, l45, l60 = Lesson.objects.filter(module__track=track, module__week=1).order_by("pk")
    for lesson, minutes in ((l30, 30), (l45, 45), (l60, 60)):
        Lesson.objects.filter(pk=lesson.pk).update(minutes=minutes)
    enrolled_a = [c.enrollments.get() for c in in_a]
    enrolled_b = [c.enrollments.get() for c in in_b]
    # Week of 9 November
    attendance_record(
        occurrence=sessions_a[0], marks=[Mark(c.pk, "present") for c in in_a], by=lead_a, now=NOW
    )
    attendance_record(
        occurrence=sessions_b[0], marks=[Mark(c.pk, "present") for c in in_b], by=lead_b, now=NOW
    )
    _lesson(enrolled_a[:5], l30, at=datetime(2026, 11, 16, 4, 30, tzinfo=UTC))
    _lesson(enrolled_b[:6], l45, at=datetime(2026, 11, 12, 10, 0, tzinfo=UTC))
    # Week of 16 November
    attendance_record(
        occurrence=sessions_a[1],
        marks=[Mark(c.pk, "late", 60) for c in in_a[:5]] + [Mark(c.pk, "absent") for c in in_a[5:]],
        by=lead_a,
        now=NOW,
    )
    attendance_record(
        occurrence=sessions_b[1],
        marks=[Mark(c.pk, "present") for c in in_b[:5]] + [Mark(c.pk, "excused") for c in in_b[5:]],
        by=lead_b,
        now=NOW,
    )
    _lesson(enrolled_a[:5], l60, at=datetime(2026, 11, 18, 14, 0, tzinfo=UTC))
    _lesson(enrolled_b[:5], l30, at=datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
    return {
        "track": track, "a": a, "b": b, "in_a": in_a, "in_b": in_b, "lead_a": lead_a,
        "sessions_a": sessions_a,
    }  # fmt: skip


def _hours(report, scope):
    table = report.table(scope, "hours")
    assert table.columns == ["Week", "Clients", "Average hours", "Reached the target"]
    return {label: [cell.text for cell in cells] for label, cells in table.rows}


def test_each_groups_hours_per_week_are_right(hours):
    report = report_compute(now=NOW)
    track = _hours(report, Scope("track", hours["track"].pk))
    a = _hours(report, Scope("cohort", hours["a"].pk))
    b = _hours(report, Scope("cohort", hours["b"].pk))
    assert len(track) == HOURS_WEEKS
    assert list(track)[-1] == WEEK_23 + " (so far)"
    assert list(track)[0] == "Week of Oct 5, 2026"
    assert track[WEEK_9] == ["20", "1.9", "55%"]
    assert a[WEEK_9] == ["10", "1.8", HIDDEN]
    assert b[WEEK_9] == ["10", "2.0", HIDDEN]
    assert a[WEEK_16] == b[WEEK_16] == ["10", "1.0", "50%"]
    assert track[WEEK_16] == ["20", "1.0", "50%"]
    assert track[WEEK_23 + " (so far)"] == ["20", "0.0", HIDDEN]
    assert a[WEEK_23 + " (so far)"] == ["10", "0.0", HIDDEN]
    for week in ("Week of Oct 5, 2026", "Week of Nov 2, 2026"):
        assert track[week] == a[week] == [HIDDEN, HIDDEN, HIDDEN]
    # One track: the whole program is the same.
    assert _hours(report, Scope("all")) == track


def test_a_cohort_of_four_shows_no_hours_and_its_sibling_hides_its_count(hours, client, admin_user):
    small, members, sessions = group_with_sessions(
        lead=hours["lead_a"], members=4, start=START, now=BEFORE, weeks=4,
        cohort=CohortFactory(track=hours["track"], name="Small", start_date=START),
    )  # fmt: skip
    attendance_record(
        occurrence=sessions[0], marks=[Mark(c.pk, "present") for c in members],
        by=hours["lead_a"], now=NOW,
    )  # fmt: skip
    report = report_compute(now=NOW)
    assert set(map(tuple, _hours(report, Scope("cohort", small.pk)).values())) == {(HIDDEN,) * 3}
    # The track's 24 less A's and B's would give the small cohort's 4 away: a sibling (A and B
    # tie at 10; A, the first by its id) hides its count, and its average and share with it.
    track = _hours(report, Scope("track", hours["track"].pk))
    assert track[WEEK_9][0] == "24" and track[WEEK_16] == ["24", "0.8", "42%"]
    assert _hours(report, Scope("cohort", hours["a"].pk))[WEEK_9] == [HIDDEN] * 3
    assert _hours(report, Scope("cohort", hours["b"].pk))[WEEK_16] == ["10", "1.0", "50%"]
    sign_in(client, admin_user)
    page = client.get(reverse("ops:reports"), {"group": f"cohort-{small.pk}"}).content.decode()
    assert "Program hours per week" in page
    rows = _csv(client, f"cohort-{small.pk}")
    assert rows[1] == ["Week", "Clients", "Average hours", "Reached the target"]
    assert all(row[1:] == [HIDDEN] * 3 for row in rows[2:])


def _csv(client, group):
    response = client.get(reverse("ops:report_csv", args=["hours"]), {"group": group})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="ehab-hours-{group}.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_hours_csv_has_the_pages_figures(hours, client, admin_user):
    sign_in(client, admin_user)
    rows = _csv(client, f"track-{hours['track'].pk}")
    assert rows[0] == [f"Program hours per week: Track: {hours['track'].title}"]
    assert rows[1] == ["Week", "Clients", "Average hours", "Reached the target"]
    assert len(rows) == 2 + HOURS_WEEKS
    assert [WEEK_9, "20", "1.9", "55%"] in rows
    assert [WEEK_23 + " (so far)", "20", "0.0", HIDDEN] in rows


def test_the_page_charts_the_average_hours(hours, client, admin_user):
    sign_in(client, admin_user)
    page = client.get(reverse("ops:reports"), {"group": f"track-{hours['track'].pk}"})
    text = page.content.decode()
    assert 'id="report-hours-title"' in text
    assert "Average hours: 1.9" in text and "Average hours: fewer than 5" in text
    for c in hours["in_a"] + hours["in_b"]:
        assert c.preferred_name not in text and c.email not in text


def test_a_new_attendance_shows_at_once(hours, client, admin_user, frozen):
    sign_in(client, admin_user)
    group = f"cohort-{hours['a'].pk}"
    current = WEEK_23 + " (so far)"
    assert [current, "10", "0.0", HIDDEN] in _csv(client, group)
    frozen.shift(timedelta(minutes=1))  # the attendance comes after the report it makes stale
    attendance_record(
        occurrence=hours["sessions_a"][2],
        marks=[Mark(c.pk, "present") for c in hours["in_a"]],
        by=hours["lead_a"],
        now=NOW + timedelta(minutes=1),
    )
    # 90 minutes each: 1.5 hours, and still nobody reached 2.
    assert [current, "10", "1.5", HIDDEN] in _csv(client, group)
    # A correction (same rows, audited) shows at once too.
    frozen.shift(timedelta(minutes=1))
    attendance_record(
        occurrence=hours["sessions_a"][2],
        marks=[Mark(c.pk, "left_early", 45) for c in hours["in_a"]],
        by=hours["lead_a"],
        now=NOW + timedelta(minutes=2),
    )
    assert [current, "10", "0.8", HIDDEN] in _csv(client, group)  # 45 minutes: 0.75


def _cohorts_with_hours(n: int, lead):
    track = None
    for i in range(n):
        cohort = CohortFactory(track=track, name=f"H{i}", start_date=START) if track else None
        cohort, members, sessions = group_with_sessions(
            lead=lead, members=2, start=START, now=BEFORE, weeks=3, cohort=cohort
        )
        track = cohort.track
        attendance_record(
            occurrence=sessions[0], marks=[Mark(c.pk, "present") for c in members], by=lead,
            now=NOW,
        )  # fmt: skip
        lesson = Lesson.objects.filter(module__track=track).order_by("pk").first()
        _lesson([members[0].enrollments.get()], lesson, at=NOW - timedelta(days=2))


def _queries(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("ops:reports")).status_code == 200
    return len(ctx)


def test_the_hours_cost_the_same_queries_for_2_and_40_cohorts(db, client, admin_user):
    sign_in(client, admin_user)
    lead = UserFactory(role="clinician")
    _cohorts_with_hours(2, lead)
    few = _queries(client)
    _cohorts_with_hours(38, lead)
    assert _queries(client) == few
