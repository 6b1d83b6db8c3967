"""The client's side: their sessions on home and at /me/sessions/ in their own zone (cancelled
shown as cancelled, moved at their new time), the Join window's edges with a frozen clock, the
calendar file parsed back, and everyone else refused with a denied 404."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from accounts.roles import Role
from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from meetings.models import Occurrence
from meetings.services import (
    individual_session_book,
    occurrence_cancel,
    occurrence_move,
    series_create,
)
from tests.conftest import sign_in
from tests.factories import CohortFactory, EnrollmentFactory, UserFactory

from .conftest import LINK, fields

SETUP = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
# Tuesday 1 December 2026, 18:30 in New York is 23:30 UTC (EST).
START = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


@pytest.fixture
def series(cohort, lead, admin_user):
    return series_create(cohort=cohort, fields=fields(lead), acting_user=admin_user, now=SETUP)


@pytest.fixture
def session(series):
    return series.occurrences.get(local_date=date(2026, 12, 1))


def _get(client, user, url, at, method="get"):
    with time_machine.travel(at, tick=False):
        client.logout()
        sign_in(client, user)
        return getattr(client, method)(url)


def test_the_schedule_shows_the_cohorts_sessions_in_the_clients_own_zone(client, member, series):
    response = _get(client, member, reverse("meetings:mine"), MONDAY)
    body = response.content.decode()
    assert response.status_code == 200
    # 18:30 in New York is 15:30 in Los Angeles, the client's zone.
    assert "Tuesday 1 December, 15:30–17:00" in body
    assert "America/Los_Angeles" in body
    assert LINK not in body
    assert "Join the group session" not in body


def test_cancelled_sessions_show_as_cancelled_and_moved_ones_at_their_new_time(
    client, member, series, admin_user
):
    occurrence_cancel(
        occurrence=series.occurrences.get(local_date=date(2026, 12, 1)),
        acting_user=admin_user,
        now=SETUP,
    )
    occurrence_move(
        occurrence=series.occurrences.get(local_date=date(2026, 12, 8)),
        day=date(2026, 12, 10),
        start_time=time(12, 0),
        acting_user=admin_user,
        now=SETUP,
    )
    body = _get(client, member, reverse("meetings:mine"), MONDAY).content.decode()
    assert "Cancelled: this session will not take place." in body
    assert "Thursday 10 December, 09:00–10:30" in body
    assert "Moved: it was planned for Tuesday 8 December at 15:30." in body


def test_the_home_shows_the_next_sessions_with_join_inside_the_window(client, member, session):
    body = _get(client, member, reverse("courses:dashboard"), START - timedelta(minutes=5))
    text = body.content.decode()
    assert "Your next sessions" in text
    assert reverse("meetings:join", args=[session.pk]) in text


@pytest.mark.parametrize(
    ("offset", "opens"),
    [
        (-timedelta(minutes=10, seconds=1), False),
        (-timedelta(minutes=9, seconds=59), True),
        (-timedelta(minutes=10), True),
        (timedelta(minutes=89, seconds=59), True),
        (timedelta(minutes=90), False),
    ],
)
def test_join_opens_ten_minutes_before_the_start_and_closes_at_the_end(
    client, member, session, offset, opens
):
    response = _get(client, member, reverse("meetings:join", args=[session.pk]), START + offset)
    assert response.status_code == 302
    if opens:
        assert response["Location"] == LINK
    else:
        assert response["Location"] == reverse("meetings:mine")
    event = AuditEvent.objects.filter(action=Action.SESSION_JOINED).latest("pk")
    assert event.metadata == {"opened": opens}
    assert event.subject_id == member.pk


def test_the_join_button_shows_only_inside_the_window(client, member, session):
    url = reverse("meetings:join", args=[session.pk])
    early = _get(client, member, reverse("meetings:mine"), START - timedelta(minutes=11))
    assert url not in early.content.decode()
    on_time = _get(client, member, reverse("meetings:mine"), START - timedelta(minutes=10))
    assert url in on_time.content.decode()


def test_a_cancelled_session_never_opens(client, member, session, admin_user):
    occurrence_cancel(occurrence=session, acting_user=admin_user, now=SETUP)
    response = _get(client, member, reverse("meetings:join", args=[session.pk]), START)
    assert response["Location"] == reverse("meetings:mine")


def test_a_withdrawn_client_no_longer_has_the_cohorts_sessions(client, member, session):
    member.enrollments.update(status="withdrawn")
    before = audit_denials_counted(actor_id=member.pk)
    response = _get(client, member, reverse("meetings:join", args=[session.pk]), START)
    assert response.status_code == 404
    assert audit_denials_counted(actor_id=member.pk) == before + 1


def test_everyone_else_gets_404_for_the_session_and_its_calendar(
    client, member, session, series, clinician, billing_user, admin_user, lead
):
    outsider = UserFactory(role=Role.CLIENT)
    other_cohort = CohortFactory(track=series.cohort.track)
    EnrollmentFactory(client=outsider, track=series.cohort.track, cohort=other_cohort)
    for user in (outsider, clinician, lead, billing_user, admin_user):
        for url in (
            reverse("meetings:join", args=[session.pk]),
            reverse("meetings:calendar", args=[series.pk]),
            reverse("meetings:mine"),
        ):
            if url == reverse("meetings:mine") and user == outsider:
                continue
            before = audit_denials_counted()
            response = _get(client, user, url, START)
            assert response.status_code == 404, (user.role, url)
            assert audit_denials_counted() == before + 1
            assert _get(client, user, url, START, method="post").status_code == 404
    assert not AuditEvent.objects.filter(action=Action.SESSION_JOINED).exists()


def test_another_clients_individual_session_is_a_404(client, member, lead):
    other = UserFactory(role=Role.CLIENT)
    booked = individual_session_book(
        clinician=lead, client=other, day=date(2026, 12, 2), start_time=time(10),
        length_minutes=50, weeks=1, video_url=LINK, now=SETUP,
    )  # fmt: skip
    occurrence = booked.occurrences.get()
    assert (
        _get(client, member, reverse("meetings:join", args=[occurrence.pk]), START).status_code
        == 404
    )
    assert (
        _get(client, other, reverse("meetings:join", args=[occurrence.pk]), START).status_code
        == 302
    )


def test_the_calendar_file_parses_back_with_neutral_titles_utc_times_and_no_link(
    client, member, series, admin_user
):
    occurrence_cancel(
        occurrence=series.occurrences.get(local_date=date(2026, 12, 1)),
        acting_user=admin_user,
        now=SETUP,
    )
    response = _get(client, member, reverse("meetings:calendar", args=[series.pk]), MONDAY)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content.decode()
    for word in ("http", "url", "video", "program", "therap", "e-hab", series.cohort.name.lower()):
        assert word not in raw.lower(), word
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 12
    assert {str(e["SUMMARY"]) for e in events} == {"Group session"}
    by_start = {e.decoded("DTSTART"): e for e in events}
    for occurrence in Occurrence.objects.filter(series=series):
        event = by_start[occurrence.starts_at]
        assert event.decoded("DTEND") == occurrence.ends_at
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(event["STATUS"]) == (
            "CANCELLED" if occurrence.status == "cancelled" else "CONFIRMED"
        )
        assert "URL" not in event and "LOCATION" not in event and "DESCRIPTION" not in event
    assert AuditEvent.objects.filter(
        action=Action.SESSION_CALENDAR_DOWNLOADED, subject=member
    ).exists()


def test_an_individual_series_is_titled_appointment(client, member, lead):
    booked = individual_session_book(
        clinician=lead, client=member, day=date(2026, 12, 2), start_time=time(10),
        length_minutes=50, weeks=3, video_url=LINK, now=SETUP,
    )  # fmt: skip
    response = _get(client, member, reverse("meetings:calendar", args=[booked.pk]), MONDAY)
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert {str(e["SUMMARY"]) for e in events} == {"Appointment"}
    assert len(events) == 3


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_schedule_home_and_calendar_are_flat_in_the_number_of_sessions(
    client, member, series, lead, admin_user
):
    counts = []
    for extra in (0, 3):
        for n in range(extra):
            individual_session_book(
                clinician=lead, client=member, day=date(2026, 12, 2) + timedelta(days=n),
                start_time=time(10), length_minutes=50, weeks=4, video_url=LINK, now=SETUP,
            )  # fmt: skip
            more = fields(lead, weekday=n + 2)
            series_create(cohort=series.cohort, fields=more, acting_user=admin_user, now=SETUP)
        with time_machine.travel(MONDAY, tick=False):
            client.logout()
            sign_in(client, member)
            counts.append(
                (
                    _count(client, reverse("meetings:mine")),
                    _count(client, reverse("courses:dashboard")),
                    _count(client, reverse("meetings:calendar", args=[series.pk])),
                )
            )
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 25, counts
