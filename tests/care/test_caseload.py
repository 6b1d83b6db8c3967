"""The caseload: one ranked row per active client, each column read from real rows, filters,
search, a sort that keeps its order, the clinician's own time zone, A-1/A-2 for outsiders, a query
count that does not grow with the caseload, and alert links that land on the client's row."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from care.models import CareAssignment, RiskFlag
from care.reminders import inactivity_alert_items
from care.selectors.caseload import (
    CaseloadFilters,
    Sort,
    SudsTrend,
    caseload_row_anchor,
    caseload_row_slug,
    caseload_rows,
    suds_trend,
    time_ago,
)
from care.services import risk_flag_raise, risk_flag_resolve
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    LessonKind,
    LessonProgress,
    ModuleRelease,
    PacingAction,
    PacingKind,
    PacingReason,
    ReleaseReason,
    WorksheetResponse,
    WorksheetReview,
)
from measures import selectors as measures_selectors
from measures.instruments import instruments_load, read_instruments
from measures.models import Instrument
from measures.services import administration_submit
from meetings.models import Attendance, Occurrence, SessionSeries
from notifications.models import Kind, Notification
from notifications.services import outbox_enqueue
from payments.models import BillingAccount, BillingState, Plan
from payments.services.billing import billing_set_state
from tests.factories import (
    CareAssignmentFactory,
    CheckinFactory,
    CohortFactory,
    EnrollmentFactory,
    LapseFactory,
    UserFactory,
    make_track,
    steady_answers,
)

# A Wednesday afternoon; the view tests freeze the clock here, the selector tests pass it.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=40)
CLIENT_LINK = re.compile(r'<th scope="row" data-label="Client"><a href="[^"]+">([^<]+)</a>')


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def track(db):
    return make_track(weeks=12, lessons_per_module=4, trauma_weeks=())


def enrol(client, track, *, weeks_open=3, status=EnrollmentStatus.ACTIVE, created=LONG_AGO):
    """An enrollment with weeks 1..weeks_open released (real ledger rows)."""
    enrollment = EnrollmentFactory(
        client=client, track=track, status=status, start_date=date(2026, 10, 19)
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(created_at=created)
    enrollment.refresh_from_db()
    for module in track.modules.filter(week__lte=weeks_open):
        ModuleRelease.objects.create(
            enrollment=enrollment, module=module, released_at=created, reason=ReleaseReason.SCHEDULE
        )
    return enrollment


def lessons_of(track, week):
    return list(track.modules.get(week=week).lessons.order_by("order"))


def complete(enrollment, lesson, *, at, suds_before=None, suds_after=None):
    return LessonProgress.objects.create(
        enrollment=enrollment,
        lesson=lesson,
        started_at=at - timedelta(minutes=10),
        completed_at=at,
        suds_before=suds_before,
        suds_after=suds_after,
    )


def submit(enrollment, lesson, *, at, version=1):
    return WorksheetResponse.objects.create(
        enrollment=enrollment,
        lesson=lesson,
        status=WorksheetResponse.Status.SUBMITTED,
        version=version,
        answers={"one-word": "steady"},
        created_at=at,
        updated_at=at,
        submitted_at=at,
    )


def worksheet_lesson(track, week=1):
    return track.modules.get(week=week).lessons.get(kind=LessonKind.WORKSHEET)


def row_for(caseload, client):
    return next(row for row in caseload.rows if row.client.pk == client.pk)


def names_on(response) -> list[str]:
    assert response.status_code == 200
    return CLIENT_LINK.findall(response.content.decode())


def assign(clinician, name, **kwargs):
    client = UserFactory(role=Role.CLIENT, preferred_name=name, **kwargs)
    CareAssignmentFactory(clinician=clinician, client=client)
    return client


# --- Each column, from real rows ----------------------------------------------------------------


def test_the_week_is_the_newest_released_one_out_of_the_track_and_this_week_counts_its_lessons(
    clinician, client_a, track
):
    enrollment = enrol(client_a, track, weeks_open=3)
    week3 = lessons_of(track, 3)
    complete(enrollment, week3[0], at=NOW - timedelta(days=1))
    complete(enrollment, week3[1], at=NOW - timedelta(days=1))
    LessonProgress.objects.create(enrollment=enrollment, lesson=week3[2], started_at=NOW)
    complete(enrollment, lessons_of(track, 2)[0], at=NOW - timedelta(days=8))  # an earlier week

    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)

    assert (row.week, row.weeks_total) == (3, 12)
    assert (row.lessons_done, row.lessons_total) == (2, 4)


def test_a_retired_lesson_counts_for_neither_side_of_this_week(clinician, client_a, track):
    enrollment = enrol(client_a, track, weeks_open=2)
    week2 = lessons_of(track, 2)
    complete(enrollment, week2[0], at=NOW - timedelta(days=1))
    week2[0].retired_at = NOW - timedelta(hours=1)
    week2[0].save(update_fields=["retired_at"])

    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)

    assert (row.lessons_done, row.lessons_total) == (0, 3)


def test_the_row_is_about_the_current_enrollment_and_a_finished_one_only_without_it(
    clinician, client_a, client_b, track
):
    other = make_track(weeks=6, lessons_per_module=2, trauma_weeks=())
    enrol(client_a, other, weeks_open=6, status=EnrollmentStatus.COMPLETED)
    enrol(client_a, track, weeks_open=2, created=NOW - timedelta(days=10))
    CareAssignmentFactory(clinician=clinician, client=client_b)
    enrol(client_b, other, weeks_open=6, status=EnrollmentStatus.COMPLETED)

    caseload = caseload_rows(viewer=clinician, now=NOW)

    current = row_for(caseload, client_a)
    assert (current.week, current.weeks_total, current.status) == (2, 12, "active")
    finished = row_for(caseload, client_b)
    assert (finished.week, finished.weeks_total, finished.status) == (6, 6, "completed")
    assert finished.inactive_days is None  # finished: quiet is expected, never a reason


def test_last_activity_is_the_newest_of_progress_worksheets_and_sign_in(clinician, client_a, track):
    enrollment = enrol(client_a, track)
    lessons = lessons_of(track, 1)
    complete(enrollment, lessons[0], at=NOW - timedelta(days=12))
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=lessons[1], deferred_at=NOW - timedelta(days=11)
    )
    client_a.last_login = NOW - timedelta(days=20)
    client_a.save(update_fields=["last_login"])

    def last():
        return row_for(caseload_rows(viewer=clinician, now=NOW), client_a)

    assert last().last_activity == NOW - timedelta(days=11)
    assert last().inactive_days == 11
    draft_saved = NOW - timedelta(days=3, hours=2)
    WorksheetResponse.objects.create(
        enrollment=enrollment,
        lesson=worksheet_lesson(track),
        answers={},
        created_at=draft_saved,
        updated_at=draft_saved,
    )
    assert last().last_activity == draft_saved
    assert (last().inactive_days, last().last_activity_ago) == (3, "3 days ago")
    client_a.last_login = NOW - timedelta(hours=5)
    client_a.save(update_fields=["last_login"])
    assert (last().last_activity_ago, last().inactive) == ("5 hours ago", False)


def test_someone_who_never_did_anything_counts_quiet_days_from_enrolling(
    clinician, client_a, track
):
    enrol(client_a, track, created=NOW - timedelta(days=9, hours=1))

    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)

    assert row.last_activity is None
    assert (row.inactive_days, row.inactive) == (9, True)


def test_last_activity_is_shown_relative_and_exact_in_the_clinicians_time_zone(
    client, clinician, client_a, track, signed_in
):
    clinician.timezone = "America/Los_Angeles"
    clinician.save(update_fields=["timezone"])
    client_a.timezone = "Asia/Kolkata"  # the client's zone must not be the one shown
    client_a.save(update_fields=["timezone"])
    enrollment = enrol(client_a, track)
    # 03:30 UTC on Monday 16 November is 19:30 on Sunday 15 November in Los Angeles.
    complete(enrollment, lessons_of(track, 1)[0], at=datetime(2026, 11, 16, 3, 30, tzinfo=UTC))

    signed_in(clinician)
    page = client.get(reverse("care:caseload")).content.decode()

    assert "9 days ago" in page
    assert "Sun 15 Nov, 19:30 PST" in page
    assert 'datetime="2026-11-15T19:30:00-08:00"' in page
    assert "Mon 16 Nov, 09:00" not in page  # Kolkata's reading of the same instant


@pytest.mark.parametrize(
    ("readings", "trend"),
    [
        ([], SudsTrend.NONE),
        ([4, 5, 6], SudsTrend.FEW),
        ([3, 3, 4, 6, 7, 6], SudsTrend.RISING),
        ([7, 7, 6, 4, 4, 3], SudsTrend.EASING),
        ([5, 6, 5, 5, 6, 5], SudsTrend.STEADY),
        ([5, 5, 5, 6, 6, 5.9], SudsTrend.STEADY),  # less than a point: steady
    ],
)
def test_the_suds_trend_compares_the_newest_readings_with_the_earlier_ones(readings, trend):
    assert suds_trend(readings).trend == trend


def test_suds_readings_come_from_the_lessons_after_value_else_the_before_value_newest_eight(
    clinician, client_a, track
):
    enrollment = enrol(client_a, track, weeks_open=4)
    lessons = [lesson for week in (1, 2, 3, 4) for lesson in lessons_of(track, week)]
    values = [(2, None), (None, 3), (9, 2), (2, 2), (3, 3), (4, 4), (5, 6), (6, 7), (7, 8), (8, 9)]
    for day, (lesson, (before, after)) in enumerate(zip(lessons, values, strict=False)):
        complete(enrollment, lesson, at=LONG_AGO + timedelta(days=day), suds_before=before,
                 suds_after=after)  # fmt: skip
    complete(enrollment, lessons[len(values)], at=NOW - timedelta(days=1))  # no reading at all

    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)

    assert row.suds.readings == (2, 2, 3, 4, 6, 7, 8, 9)  # the oldest two left out, oldest first
    assert row.suds.trend == SudsTrend.RISING
    assert row.suds.points.count(",") == 8


def test_the_suds_sparkline_has_a_text_alternative(client, clinician, client_a, track, signed_in):
    enrollment = enrol(client_a, track)
    for day, (lesson, value) in enumerate(zip(lessons_of(track, 1), (3, 5, 7, 8), strict=True)):
        complete(enrollment, lesson, at=LONG_AGO + timedelta(days=day), suds_after=value)

    signed_in(clinician)
    page = client.get(reverse("care:caseload")).content.decode()

    assert 'role="img"' in page
    assert "SUDS readings, oldest to newest: 3, 5, 7, 8</title>" in page
    assert "Rising" in page


def test_worksheets_to_review_are_submitted_versions_nobody_has_reviewed(
    clinician, client_a, client_b, other_clinician, track
):
    enrollment = enrol(client_a, track, weeks_open=2)
    first, second = worksheet_lesson(track, 1), worksheet_lesson(track, 2)
    submit(enrollment, first, at=NOW - timedelta(days=3), version=1)
    reviewed = submit(enrollment, first, at=NOW - timedelta(days=2), version=2)
    submit(enrollment, second, at=NOW - timedelta(days=1), version=1)
    WorksheetResponse.objects.create(enrollment=enrollment, lesson=second, answers={})  # a draft
    WorksheetReview.objects.create(response=reviewed, reviewer=other_clinician)  # anyone's counts
    elsewhere = enrol(client_b, track)
    submit(elsewhere, first, at=NOW, version=1)

    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)

    assert row.to_review == 2
    assert [(r.key, r.label, r.points) for r in row.reasons] == [("review", "2 to review", 4)]


def test_open_holds_and_a_pause_are_shown_and_a_lifted_hold_is_not(clinician, client_a, track):
    enrollment = enrol(client_a, track, weeks_open=2)

    def hold(week, lifted_at=None):
        PacingAction.objects.create(
            enrollment=enrollment,
            kind=PacingKind.HOLD,
            reason_code=PacingReason.CLINICAL_JUDGEMENT,
            author=clinician,
            module=track.modules.get(week=week),
            created_at=NOW - timedelta(days=2),
            lifted_at=lifted_at,
        )

    hold(3, lifted_at=NOW - timedelta(days=1))
    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)
    assert (row.holds, row.on_hold) == (0, False)

    hold(4)
    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)
    assert (row.holds, row.paused, row.on_hold) == (1, False, True)

    Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.PAUSED)
    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)
    assert (row.paused, row.on_hold) == (True, True)
    assert [r.label for r in row.reasons if r.key == "hold"] == ["Paused"]


def test_billing_is_a_neutral_flag_without_amounts(client, clinician, client_a, track, signed_in):
    enrollment = enrol(client_a, track)
    assert row_for(caseload_rows(viewer=clinician, now=NOW), client_a).billing_attention is False
    Enrollment.objects.filter(pk=enrollment.pk).update(new_weeks_held_for_billing=True)

    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)
    signed_in(clinician)
    page = client.get(reverse("care:caseload")).content.decode()

    assert row.billing_attention is True
    assert "Needs attention" in page
    assert "$" not in page and "past due" not in page.lower()


def test_an_open_risk_flag_ranks_first_and_links_to_the_flags_page_and_check_ins_show(
    client, clinician, client_a, client_b, track, signed_in
):
    enrol(client_a, track)
    enrol(client_b, track)
    CareAssignment.objects.create(clinician=clinician, client=client_b)
    # Blake would rank first on quiet days alone; Alex's open flag outranks it.
    client_b.last_login = NOW - timedelta(days=20)
    client_b.save(update_fields=["last_login"])
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=NOW)
    rows = caseload_rows(viewer=clinician, now=NOW).rows
    assert [row.client.pk for row in rows] == [client_a.pk, client_b.pk]
    assert (rows[0].risk, rows[1].risk) == (1, 0)
    assert (rows[0].checkins.checkins, rows[0].checkins.days, rows[0].checkins.lapses) == (0, 14, 0)
    assert rows[0].reasons[0].key == "risk"

    signed_in(clinician)
    page = client.get(reverse("care:caseload")).content.decode()
    assert '<th scope="col">Risk</th>' in page and '<th scope="col">Check-ins</th>' in page
    assert f'href="{reverse("care:flags")}">1 open</a>' in page
    assert "Safety flag open" in page
    assert "Not tracked yet" not in page
    assert page.count('data-label="Check-ins">0 of 14 days<br><span class="muted">No lapses') == 2

    risk_flag_resolve(flag=flag, by=clinician, action="contacted", note="", now=NOW)
    assert row_for(caseload_rows(viewer=clinician, now=NOW), client_a).risk == 0


def test_reliably_worse_and_elevated_scores_rank_high_and_show_in_their_column(
    client, clinician, client_a, client_b, track, signed_in
):
    instruments_load(read_instruments())
    phq9 = Instrument.objects.get(key="phq9")
    enrol(client_a, track)
    enrol(client_b, track)
    CareAssignment.objects.create(clinician=clinician, client=client_b)
    for person in (client_a, client_b):  # both recently active: nothing else to rank by
        person.last_login = NOW - timedelta(hours=1)
        person.save(update_fields=["last_login"])

    def answer(person, value, days_ago):
        administration_submit(
            client=person, instrument=phq9, answers={n: value for n in range(1, 9)} | {9: 0},
            now=NOW - timedelta(days=days_ago),
        )  # fmt: skip

    answer(client_a, 1, 30)  # 8: mild
    answer(client_a, 1, 2)  # 8 again: no reliable change
    answer(client_b, 1, 30)  # 8: mild
    answer(client_b, 2, 2)  # 16: moderately severe, reliably worse (+8)
    rows = caseload_rows(viewer=clinician, now=NOW).rows
    assert [row.client.pk for row in rows] == [client_b.pk, client_a.pk]
    assert [(r.key, r.label, r.points) for r in rows[0].reasons] == [
        ("measures_worse", "PHQ-9 worse", 4),
        ("measures_high", "PHQ-9 moderately severe", 3),
    ]
    assert rows[1].reasons == []

    signed_in(clinician)
    page = client.get(reverse("care:caseload")).content.decode()
    assert '<th scope="col">Measures</th>' in page
    assert (
        'PHQ-9 16 (moderately severe), <span class="caseload-measure--worse">worse</span>' in page
    )
    assert "PHQ-9 8 (mild)</td>" in page


def test_an_open_risk_flag_still_outranks_every_measure(clinician, client_a, client_b, track):
    instruments_load(read_instruments())
    enrol(client_a, track)
    enrol(client_b, track)
    CareAssignment.objects.create(clinician=clinician, client=client_b)
    for instrument in Instrument.objects.all():
        for days, value in ((30, 0), (2, 3)):
            administration_submit(
                client=client_b, instrument=instrument,
                answers=steady_answers(instrument, value),
                now=NOW - timedelta(days=days),
            )  # fmt: skip
    risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=NOW)
    rows = caseload_rows(viewer=clinician, now=NOW).rows
    assert rows[0].client.pk == client_a.pk
    assert rows[1].reasons[0].label == "GAD-7 and PHQ-9 worse"


# --- Ranking ------------------------------------------------------------------------------------


@pytest.fixture
def morning(clinician, client_a, track):
    """Five clients in different states, on top of client_a (Alex): quiet and well."""
    enrol(client_a, track)
    client_a.last_login = NOW - timedelta(hours=2)
    client_a.save(update_fields=["last_login"])
    people = {"Alex": client_a}

    quiet = assign(clinician, "Quinn", last_login=NOW - timedelta(days=9))
    enrol(quiet, track)
    people["Quinn"] = quiet

    reviews = assign(clinician, "Riley", last_login=NOW - timedelta(hours=1))
    enrollment = enrol(reviews, track)
    submit(enrollment, worksheet_lesson(track, 1), at=NOW - timedelta(hours=3))
    people["Riley"] = reviews

    held = assign(clinician, "Harper", last_login=NOW - timedelta(hours=1))
    enrollment = enrol(held, track)
    PacingAction.objects.create(
        enrollment=enrollment,
        kind=PacingKind.HOLD,
        reason_code=PacingReason.STABILIZATION,
        author=clinician,
        module=track.modules.get(week=4),
    )
    people["Harper"] = held

    # Rising SUDS (+3) and two worksheets (+4): the highest score.
    rising = assign(clinician, "Sam", last_login=NOW - timedelta(hours=1))
    enrollment = enrol(rising, track, weeks_open=2)
    lessons = lessons_of(track, 1) + lessons_of(track, 2)
    for day, (lesson, value) in enumerate(zip(lessons, (2, 2, 3, 6, 7, 8), strict=False)):
        complete(enrollment, lesson, at=NOW - timedelta(days=6 - day), suds_after=value)
    submit(enrollment, worksheet_lesson(track, 1), at=NOW - timedelta(hours=5))
    submit(enrollment, worksheet_lesson(track, 2), at=NOW - timedelta(hours=4))
    people["Sam"] = rising

    # Also on hold (+2), like Harper: the tie goes by name, so Harper comes first.
    paused = assign(clinician, "Paz", last_login=NOW - timedelta(hours=1))
    enrol(paused, track, status=EnrollmentStatus.PAUSED)
    people["Paz"] = paused
    return people


def test_the_caseload_ranks_worst_first_and_breaks_ties_by_name(client, clinician, morning,
                                                                  signed_in):  # fmt: skip
    caseload = caseload_rows(viewer=clinician, now=NOW)
    assert [(row.client.preferred_name, row.urgency) for row in caseload.rows] == [
        ("Sam", 7),
        ("Quinn", 4),
        ("Harper", 2),
        ("Paz", 2),
        ("Riley", 2),
        ("Alex", 0),
    ]
    signed_in(clinician)
    response = client.get(reverse("care:caseload"))
    assert names_on(response) == ["Sam", "Quinn", "Harper", "Paz", "Riley", "Alex"]
    page = response.content.decode()
    for chip in ("SUDS rising", "2 to review", "Quiet 9 days", "On hold", "Paused", "1 to review"):
        assert f">{chip}</li>" in page
    assert "Nothing pressing" in page


def test_billing_adds_a_point_to_the_score(clinician, client_a, track):
    enrollment = enrol(client_a, track)
    Enrollment.objects.filter(pk=enrollment.pk).update(new_weeks_held_for_billing=True)
    client_a.last_login = NOW
    client_a.save(update_fields=["last_login"])

    row = row_for(caseload_rows(viewer=clinician, now=NOW), client_a)

    assert [(r.key, r.points) for r in row.reasons] == [("billing", 1)]


# --- Filters, search, sort ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"needs_review": "on"}, ["Sam", "Riley"]),
        ({"inactive": "on"}, ["Quinn"]),
        ({"on_hold": "on"}, ["Harper", "Paz"]),
        ({"needs_review": "on", "on_hold": "on"}, []),
        ({"q": "RIL"}, ["Riley"]),
        ({"q": "  PA  "}, ["Paz"]),
        ({"q": "nobody-like-this"}, []),
    ],
)
def test_filters_and_search_narrow_the_ranked_list(
    client, clinician, morning, signed_in, query, expected
):
    signed_in(clinician)
    response = client.get(reverse("care:caseload"), query)
    assert names_on(response) == expected
    page = response.content.decode()
    assert f"Showing {len(expected)} of 6 clients." in page
    if not expected:
        assert "No one matches these filters." in page


def test_search_matches_the_email_too(client, clinician, morning, signed_in):
    morning["Quinn"].email = "q.lake@example.org"
    morning["Quinn"].save(update_fields=["email"])
    signed_in(clinician)
    assert names_on(client.get(reverse("care:caseload"), {"q": "Q.LAKE@"})) == ["Quinn"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (Sort.NAME, ["Alex", "Harper", "Paz", "Quinn", "Riley", "Sam"]),
        (Sort.ACTIVITY, ["Quinn", "Alex", "Harper", "Paz", "Riley", "Sam"]),
    ],
)
def test_the_list_sorts_by_name_or_by_the_longest_quiet(clinician, morning, sort, expected):
    rows = caseload_rows(viewer=clinician, now=NOW, filters=CaseloadFilters(sort=sort)).rows
    assert [row.client.preferred_name for row in rows] == expected


def test_sorting_by_week_puts_the_earliest_first_and_no_open_week_last(clinician, track):
    for name, weeks in (("Ada", 5), ("Bo", 0), ("Cy", 2), ("Di", 5)):
        enrol(assign(clinician, name), track, weeks_open=weeks)

    rows = caseload_rows(viewer=clinician, now=NOW, filters=CaseloadFilters(sort=Sort.WEEK)).rows

    # Alex (client_a) has no enrollment at all: no week either.
    assert [row.client.preferred_name for row in rows] == ["Cy", "Ada", "Di", "Alex", "Bo"]


def test_the_chosen_sort_is_kept_across_filters_and_visits(client, clinician, morning, signed_in):
    signed_in(clinician)
    url = reverse("care:caseload")
    assert names_on(client.get(url, {"sort": "name"}))[0] == "Alex"

    # Coming back without a sort, and filtering, keep the name order.
    assert names_on(client.get(url)) == ["Alex", "Harper", "Paz", "Quinn", "Riley", "Sam"]
    response = client.get(url, {"on_hold": "on"})
    assert names_on(response) == ["Harper", "Paz"]
    page = response.content.decode()
    assert '<option value="name" selected>' in page  # the filter form carries the sort
    assert f'href="{url}?sort=name"' in page  # clearing the filters keeps it too
    # The sort links keep the filters.
    assert "?on_hold=on&amp;sort=urgency" in page

    # Choosing another sort replaces the remembered one.
    client.get(url, {"sort": "urgency"})
    assert names_on(client.get(url))[0] == "Sam"


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "'; DROP TABLE x; --"},
        {"sort": ["name", "banana"]},
        {"needs_review": "\x00", "inactive": "maybe", "on_hold": ""},
        {"q": "x" * 101},
        {"q": "\x00nul"},
        {"page": "-1", "unknown": "1"},
    ],
)
def test_bad_query_strings_are_ignored_or_reported_never_a_500(
    client, clinician, morning, signed_in, query
):
    signed_in(clinician)
    response = client.get(reverse("care:caseload"), query)
    assert response.status_code == 200
    assert len(names_on(response)) <= 6


def test_a_search_too_long_is_reported_and_left_out(client, clinician, morning, signed_in):
    signed_in(clinician)
    response = client.get(reverse("care:caseload"), {"q": "x" * 101, "on_hold": "on"})
    page = response.content.decode()
    assert "could not be used" in page
    assert "at most 100 characters" in page
    assert names_on(response) == ["Harper", "Paz"]  # the valid filter still applies


# --- Who sees what ------------------------------------------------------------------------------


def test_only_the_viewers_active_clients_are_listed(
    client, clinician, other_clinician, client_a, client_b, track, signed_in
):
    CareAssignmentFactory(clinician=other_clinician, client=client_b)
    ended = assign(clinician, "Former")
    CareAssignment.objects.filter(client=ended).update(is_active=False, ended_at=NOW)

    signed_in(clinician)
    assert names_on(client.get(reverse("care:caseload"))) == ["Alex"]
    assert caseload_rows(viewer=clinician, now=NOW).total == 1


def test_a_clinician_without_clients_sees_a_calm_empty_page(
    client, other_clinician, client_a, signed_in
):
    signed_in(other_clinician)
    response = client.get(reverse("care:caseload"))
    assert names_on(response) == []
    assert "No clients are assigned to you yet." in response.content.decode()
    assert "Alex" not in response.content.decode()


@pytest.mark.parametrize("who", ["client_a", "client_b", "billing_user", "admin_user"])
def test_outsiders_get_404_and_a_denied_row(client, clinician, signed_in, who, request):
    user = request.getfixturevalue(who)
    signed_in(user)
    response = client.get(reverse("care:caseload"))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).exists()
    assert "Alex" not in response.content.decode()


def test_reading_the_caseload_is_audited_once_without_content(client, clinician, morning,
                                                              signed_in):  # fmt: skip
    signed_in(clinician)
    client.get(reverse("care:caseload"))
    event = AuditEvent.objects.get(action=Action.CASELOAD_VIEWED)
    assert event.actor == clinician
    assert event.metadata == {"clients": 6, "shown": 6}


# --- Query count --------------------------------------------------------------------------------

BUDGET = 12


def _caseload_with_history(clinician, track, size):
    """`size` clients, each with six weeks released, every lesson done with SUDS readings, two
    worksheets submitted (one reviewed), the PHQ-9 and GAD-7 answered three times, and thirty
    days of check-ins with a lapse, and absent from the last two of three group sessions."""
    instruments_load(read_instruments())
    series = SessionSeries.objects.create(
        kind="group", cohort=CohortFactory(track=track), clinician=clinician, weekday=0,
        start_time=NOW.time(), length_minutes=60, timezone="UTC",
        video_url="https://video.example.org/q", active_from=LONG_AGO.date(),
        active_until=NOW.date(), created_at=LONG_AGO, updated_at=LONG_AGO,
    )  # fmt: skip
    held = [
        Occurrence.objects.create(
            series=series,
            local_date=(NOW - timedelta(days=days)).date(),
            starts_at=NOW - timedelta(days=days),
            ends_at=NOW - timedelta(days=days, minutes=-60),
            clinician=clinician,
        )  # fmt: skip
        for days in (21, 14, 7)
    ]
    instruments = list(Instrument.objects.all())
    modules = list(track.modules.order_by("week")[:6])
    lessons = [lesson for module in modules for lesson in module.lessons.all()]
    sheets = [lesson for lesson in lessons if lesson.kind == LessonKind.WORKSHEET][:2]
    for n in range(size):
        person = assign(clinician, f"Person {n:03}", last_login=NOW - timedelta(days=n % 12))
        enrollment = enrol(person, track, weeks_open=0)
        ModuleRelease.objects.bulk_create(
            ModuleRelease(enrollment=enrollment, module=m, reason=ReleaseReason.SCHEDULE)
            for m in modules
        )
        LessonProgress.objects.bulk_create(
            LessonProgress(
                enrollment=enrollment,
                lesson=lesson,
                started_at=LONG_AGO + timedelta(days=i),
                completed_at=LONG_AGO + timedelta(days=i, minutes=20),
                suds_before=(n + i) % 11,
                suds_after=(n + 2 * i) % 11,
            )
            for i, lesson in enumerate(lessons)
        )
        first = submit(enrollment, sheets[0], at=LONG_AGO)
        submit(enrollment, sheets[1], at=LONG_AGO)
        WorksheetReview.objects.create(response=first, reviewer=clinician)
        PacingAction.objects.create(
            enrollment=enrollment,
            kind=PacingKind.HOLD,
            reason_code=PacingReason.CLIENT_REQUEST,
            author=clinician,
            module=track.modules.get(week=7),
        )
        Attendance.objects.bulk_create(
            Attendance(
                occurrence=occurrence,
                client=person,
                status=status,
                minutes=minutes,
                marked_by=clinician,
                marked_at=NOW,
                updated_at=NOW,
            )  # fmt: skip
            for occurrence, status, minutes in zip(
                held, ("present", "absent", "absent"), (60, 0, 0), strict=True
            )
        )
        for back in range(30):
            checkin = CheckinFactory(client=person, day=NOW.date() - timedelta(days=back))
            if back == 3:
                LapseFactory(client=person, day=checkin.day, checkin=checkin)
        for days, value in ((40, 0), (26, 1), (12, n % 4)):
            for instrument in instruments:
                administration_submit(
                    client=person,
                    instrument=instrument,
                    answers=steady_answers(instrument, value),
                    now=NOW - timedelta(days=days),
                )


def _queries_for_the_page(client, size_label):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("care:caseload"))
    assert response.status_code == 200, size_label
    return len(queries), response


@pytest.mark.parametrize("size", [5, 60])
def test_the_caseload_page_stays_within_one_query_budget_at_5_and_60_clients(
    client, other_clinician, track, signed_in, django_assert_max_num_queries, size
):
    _caseload_with_history(other_clinician, track, size)
    signed_in(other_clinician)
    client.get(reverse("care:caseload"))  # warm the session
    with django_assert_max_num_queries(BUDGET):
        response = client.get(reverse("care:caseload"), {"sort": "name", "on_hold": "on"})
    assert len(names_on(response)) == size


def test_the_query_count_is_the_same_for_5_and_60_clients(
    client, other_clinician, track, signed_in
):
    _caseload_with_history(other_clinician, track, 5)
    signed_in(other_clinician)
    client.get(reverse("care:caseload"))
    small, response = _queries_for_the_page(client, "5")
    assert len(names_on(response)) == 5
    _caseload_with_history(other_clinician, track, 55)
    large, response = _queries_for_the_page(client, "60")
    assert len(names_on(response)) == 60
    assert small == large


def test_the_selector_itself_takes_seven_queries_then_six(
    other_clinician, track, django_assert_num_queries
):
    _caseload_with_history(other_clinician, track, 8)
    measures_selectors._specs.clear()
    with django_assert_num_queries(7):  # the instruments' specs are read once per process
        caseload_rows(viewer=other_clinician, now=NOW)
    with django_assert_num_queries(6):
        caseload = caseload_rows(viewer=other_clinician, now=NOW)
    assert len(caseload.rows) == 8
    assert all(row.missed_sessions for row in caseload.rows)
    assert all(len(row.suds.readings) == 8 for row in caseload.rows)
    assert all([s.short_title for s in row.measures] == ["GAD-7", "PHQ-9"] for row in caseload.rows)


# --- The row an alert lands on ------------------------------------------------------------------


def test_each_row_has_an_opaque_id_that_is_no_id(client, clinician, morning, signed_in):
    signed_in(clinician)
    page = client.get(reverse("care:caseload")).content.decode()
    ids = re.findall(r'<tr id="(row-[^"]+)"', page)
    assert len(ids) == len(set(ids)) == 6
    slugs = {caseload_row_slug(client_id=person.pk) for person in morning.values()}
    assert {i.removeprefix("row-") for i in ids} == slugs
    for person in morning.values():
        slug = caseload_row_slug(client_id=person.pk)
        assert re.fullmatch(r"[0-9a-f]{16}", slug)
        assert str(person.pk) not in (slug, slug.lstrip("0"))
        assert slug != caseload_row_slug(client_id=person.pk + 1)


def test_the_row_slug_depends_on_the_sites_secret(settings, client_a):
    before = caseload_row_slug(client_id=client_a.pk)
    settings.SECRET_KEY = "another-secret-for-this-test-" + "x" * 40
    assert caseload_row_slug(client_id=client_a.pk) != before


def test_an_inactivity_alert_opens_the_caseload_at_the_clients_row(
    client, clinician, client_a, track, signed_in
):
    enrol(client_a, track)
    client_a.last_login = NOW - timedelta(days=8)
    client_a.save(update_fields=["last_login"])
    assert outbox_enqueue(inactivity_alert_items(NOW), now=NOW) == 1
    alert = Notification.objects.get(kind=Kind.INACTIVITY_ALERT, user=clinician)
    anchor = caseload_row_anchor(client_id=client_a.pk)
    assert (alert.link_target, alert.link_anchor) == ("care:caseload", anchor)
    assert re.fullmatch(r"row-[0-9a-f]{16}", alert.link_anchor)
    assert alert.link_anchor != f"row-{client_a.pk}"

    signed_in(clinician)
    followed = client.get(reverse("notifications:link", args=[alert.link_token]))
    assert followed.status_code == 302
    assert followed["Location"] == f"{reverse('care:caseload')}#{anchor}"
    page = client.get(reverse("care:caseload")).content.decode()
    assert f'<tr id="{anchor}" class="caseload-row">' in page


def test_a_billing_alert_sends_clinicians_to_the_row_and_billing_staff_to_the_console(
    clinician, client_a, track
):
    billing = UserFactory(role=Role.BILLING)
    enrollment = enrol(client_a, track)
    plan = Plan.objects.create(
        track=track, slug="c-monthly", kind="installments", installments=3, amount=Decimal("10")
    )
    account = BillingAccount.objects.create(
        enrollment=enrollment, plan=plan, state=BillingState.INSTALLMENTS_CURRENT
    )
    account = BillingAccount.objects.select_related("enrollment__client").get(pk=account.pk)
    billing_set_state(account=account, to=BillingState.PAST_DUE, reason="payment_failed", now=NOW)

    alerts = {
        n.user_id: (n.link_target, n.link_anchor)
        for n in Notification.objects.filter(kind=Kind.BILLING_ALERT)
    }
    assert alerts == {
        clinician.pk: ("care:caseload", caseload_row_anchor(client_id=client_a.pk)),
        billing.pk: ("billing:console", ""),
    }


def test_time_ago_reads_plainly():
    assert time_ago(NOW - timedelta(seconds=20), now=NOW) == "just now"
    assert time_ago(NOW + timedelta(minutes=3), now=NOW) == "just now"
    assert time_ago(NOW - timedelta(minutes=20), now=NOW) == "within the hour"
    assert time_ago(NOW - timedelta(minutes=61), now=NOW) == "1 hour ago"
    assert time_ago(NOW - timedelta(hours=23, minutes=59), now=NOW) == "23 hours ago"
    assert time_ago(NOW - timedelta(days=1, hours=3), now=NOW) == "1 day ago"
    assert time_ago(NOW - timedelta(days=9), now=NOW) == "9 days ago"
