"""The record page's frame: who may open it (A-1, A-2), what opening it leaves behind (U-1, L-4),
its header for active, paused, finished and not-yet-enrolled clients, and a query count that
does not grow with the client's history."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action, AuditEvent, Outcome
from care.selectors.record import record_enrollment
from courses.models import EnrollmentStatus
from measures.instruments import instruments_load, read_instruments
from tests.factories import CareAssignmentFactory, EnrollmentFactory, UserFactory

from .record_history import NOW, record_track, with_history

# The page's reads: session and user, the gate and its audit row, the risk flags, the safety
# plan, the enrollment, its history (one read for the header, progress and pacing:
# care/queries/record.py), SUDS, the worksheets and their replies, the pacing history and the
# notes; the measures (instruments, answers, "not now" choices, the client's schedule); the
# Daily section's figures and DSAP (one read: daily/queries.py) and its lapses; the Hours
# section's attendance, completed lessons and latest sessions (meetings.hours); the diagnosis
# codes for superbills.
BUDGET = 23


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def url_for(client_user) -> str:
    return reverse("care:client_detail", args=[client_user.pk])


@pytest.mark.parametrize("outsider", ["client_b", "other_clinician", "billing_user", "admin_user"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404_and_a_denied_row(
    outsider, method, request, client, client_a, clinician, signed_in
):
    with_history(client=client_a, track=record_track(weeks=4), weeks=2)
    user = request.getfixturevalue(outsider)
    signed_in(user)
    response = getattr(client, method)(url_for(client_a))
    assert response.status_code == 404
    assert client_a.email not in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.RECORD_VIEWED).exists()
    # Refused at the role's door (clients, billing, admin) or at the client's (a clinician).
    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denied.actor, denied.outcome) == (user, Outcome.DENIED)


def test_opening_the_record_writes_an_audit_row_and_is_never_cached(
    client, client_a, clinician, signed_in
):
    with_history(client=client_a, track=record_track(weeks=4), weeks=2)
    signed_in(clinician)
    response = client.get(url_for(client_a))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    viewed = AuditEvent.objects.get(action=Action.RECORD_VIEWED)
    assert (viewed.actor, viewed.subject, viewed.target_id) == (
        clinician,
        client_a,
        str(client_a.pk),
    )
    assert viewed.occurred_at == NOW


def test_the_header_names_the_client_program_status_week_and_start(
    client, client_a, clinician, signed_in
):
    track = record_track(weeks=12)
    with_history(client=client_a, track=track, weeks=4)
    clinician.timezone = "America/Chicago"
    clinician.save(update_fields=["timezone"])
    signed_in(clinician)
    html = client.get(url_for(client_a)).content.decode()
    header = html[html.index('<div class="record-header">') : html.index('<nav class="record-nav"')]
    assert "<h1>Alex</h1>" in header
    assert track.title in header
    assert 'record-status--active">Active<' in header
    assert "Week 4 of 12" in header and "4 weeks open" in header
    assert "Mon 2 Nov 2026" in header  # four Mondays back from Wednesday 25 November
    assert "Dates are shown in your time zone (America/Chicago)" in header
    assert "Today is Wednesday 25 November 2026" in header
    # Section navigation: a link to each section, each landing on an element of the page.
    for anchor in ("progress", "suds", "worksheets", "pacing", "notes"):
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_a_paused_client_shows_paused_since_the_day_in_the_viewers_zone(
    client, client_a, clinician, signed_in
):
    enrollment = with_history(client=client_a, track=record_track(weeks=6), weeks=2)
    enrollment.status = EnrollmentStatus.PAUSED
    enrollment.paused_since = NOW.replace(day=20, hour=3)  # Thursday evening in New York
    enrollment.save(update_fields=["status", "paused_since"])
    signed_in(clinician)
    html = client.get(url_for(client_a)).content.decode()
    assert 'record-status--paused">Paused since Thu 19 Nov 2026<' in html


def test_a_finished_client_still_has_a_record_with_their_history(
    client, client_a, clinician, signed_in
):
    with_history(
        client=client_a, track=record_track(weeks=4), weeks=4, status=EnrollmentStatus.COMPLETED
    )
    signed_in(clinician)
    html = client.get(url_for(client_a)).content.decode()
    assert 'record-status--finished">Finished: completed the program<' in html
    assert "Week 4 of 4" in html
    assert html.count('class="record-week record-week--completed"') == 4
    assert "record-timeline__svg" in html and "record-suds__svg" in html


def test_the_record_is_about_the_live_enrollment_else_the_latest_finished_one(client_a):
    assert record_enrollment(client=client_a) is None
    older = EnrollmentFactory(client=client_a, track=record_track(weeks=2), status="withdrawn")
    newer = EnrollmentFactory(
        client=client_a, track=record_track(weeks=2), status="completed",
        created_at=older.created_at + timedelta(days=30),
    )  # fmt: skip
    EnrollmentFactory(client=client_a, track=record_track(weeks=2), status="cancelled",
                      created_at=older.created_at + timedelta(days=60))  # fmt: skip
    assert record_enrollment(client=client_a) == newer
    live = EnrollmentFactory(client=client_a, track=record_track(weeks=2), status="active")
    found = record_enrollment(client=client_a)
    assert found == live
    assert found.client is client_a and found.track == live.track


def test_a_client_without_a_program_gets_a_calm_empty_record(
    client, client_a, clinician, signed_in
):
    signed_in(clinician)
    response = client.get(url_for(client_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alex has no program on record yet" in html
    assert "record-status" not in html
    assert "<svg" not in html


def test_the_query_count_is_flat_from_no_history_to_twelve_weeks_of_it_and_once_finished(
    client, clinician, signed_in, django_assert_max_num_queries
):
    instruments_load(read_instruments())
    track = record_track(weeks=12)
    counts = []
    signed_in(clinician)
    for weeks, status in ((0, "active"), (2, "active"), (12, "active"), (12, "completed")):
        person = UserFactory()
        CareAssignmentFactory(clinician=clinician, client=person)
        with_history(client=person, track=track, weeks=weeks, status=status)
        client.get(url_for(person))  # warm: the session and the track's cached structure
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(BUDGET):
            html = client.get(url_for(person)).content.decode()
        counts.append(len(queries.captured_queries))
        assert html.count('class="record-week record-week--completed"') == weeks
        assert html.count('<circle class="trend__point"') == 2 * ((weeks + 1) // 2)
    assert len(set(counts)) == 1, counts
