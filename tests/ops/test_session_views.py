"""A cohort's sessions in the console (/ops/cohorts/<id>/sessions/): administrators only (404
and a denied row for everyone else), the form filled from the cohort's weekly meeting, bad input
sent back with 400 and nothing stored, cancel and move, and query budgets flat in the number of
series and sessions."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from meetings.models import Occurrence, OccurrenceStatus, SessionSeries
from meetings.services import series_create
from tests.factories import CohortFactory, UserFactory, make_track
from tests.meetings.conftest import LINK, fields

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lead():
    return UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Lead")


@pytest.fixture
def cohort(lead):
    cohort = CohortFactory(
        track=make_track(weeks=12, lessons_per_module=1, trauma_weeks=()),
        name="Winter",
        start_date=date(2026, 10, 5),
        timezone="America/New_York",
        meeting_weekday=1,
        meeting_time=time(18, 30),
    )
    cohort.clinicians.add(lead)
    return cohort


@pytest.fixture
def series(cohort, lead, admin_user):
    return series_create(cohort=cohort, fields=fields(lead), acting_user=admin_user, now=NOW)


def _form(lead, **changes):
    data = {
        "weekday": "1",
        "start_time": "18:30",
        "length_minutes": "90",
        "clinician": str(lead.pk),
        "video_url": LINK,
        "active_from": "2026-10-05",
        "active_until": "2026-12-27",
    }
    data.update(changes)
    return data


def test_the_new_series_form_starts_from_the_cohorts_weekly_meeting(
    client, signed_in, admin_user, cohort
):
    signed_in(admin_user)
    response = client.get(reverse("ops:series_new", args=[cohort.pk]))
    form = response.context["form"]
    assert form.initial["weekday"] == "1"
    assert form.initial["start_time"] == time(18, 30)
    assert form.initial["active_from"] == date(2026, 10, 5)
    assert form.initial["active_until"] == date(2026, 12, 27)


def test_an_administrator_creates_a_series_and_sees_its_sessions(
    client, signed_in, admin_user, cohort, lead
):
    signed_in(admin_user)
    response = client.post(reverse("ops:series_new", args=[cohort.pk]), _form(lead))
    assert response.status_code == 302
    series = SessionSeries.objects.get()
    assert series.occurrences.count() == 12
    page = client.get(reverse("ops:cohort_sessions", args=[cohort.pk])).content.decode()
    assert "Tuesdays at 18:30" in page
    assert "Tue 1 Dec 2026, 18:30–20:00" in page  # the cohort's own zone


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"length_minutes": "0"}, "length_minutes"),
        ({"video_url": "http://video.example.org/room"}, "video_url"),
        ({"video_url": "not a link"}, "video_url"),
        ({"active_until": "2026-10-01"}, "active_until"),
        ({"weekday": "9"}, "weekday"),
    ],
)
def test_bad_input_comes_back_with_its_error_and_stores_nothing(
    client, signed_in, admin_user, cohort, lead, changes, field
):
    signed_in(admin_user)
    response = client.post(reverse("ops:series_new", args=[cohort.pk]), _form(lead, **changes))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not SessionSeries.objects.exists() and not Occurrence.objects.exists()


def test_a_clinician_outside_the_cohort_cannot_lead_its_series(
    client, signed_in, admin_user, cohort
):
    stranger = UserFactory(role=Role.CLINICIAN)
    signed_in(admin_user)
    response = client.post(reverse("ops:series_new", args=[cohort.pk]), _form(stranger))
    assert response.status_code == 400
    assert not SessionSeries.objects.exists()


def test_an_edit_rewrites_only_the_sessions_to_come(client, signed_in, admin_user, series, lead):
    past = dict(series.occurrences.filter(starts_at__lte=NOW).values_list("pk", "starts_at"))
    signed_in(admin_user)
    url = reverse("ops:series_edit", args=[series.cohort_id, series.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _form(lead, start_time="17:00")).status_code == 302
    assert dict(series.occurrences.filter(pk__in=past).values_list("pk", "starts_at")) == past
    assert AuditEvent.objects.filter(action=Action.SESSION_SERIES_UPDATED).exists()


def test_cancel_and_move_one_session(client, signed_in, admin_user, series):
    signed_in(admin_user)
    first, second = series.occurrences.filter(starts_at__gt=NOW)[:2]
    cancel = reverse("ops:occurrence_cancel", args=[series.cohort_id, first.pk])
    assert client.post(cancel).status_code == 302
    first.refresh_from_db()
    assert first.status == OccurrenceStatus.CANCELLED
    move = reverse("ops:occurrence_move", args=[series.cohort_id, second.pk])
    assert client.get(move).status_code == 200
    refused = client.post(move, {"day": "2026-11-01", "start_time": "12:00"})
    assert refused.status_code == 400
    assert refused.context["form"].errors["day"]
    second.refresh_from_db()
    assert second.status == OccurrenceStatus.SCHEDULED
    assert client.post(move, {"day": "2026-11-26", "start_time": "12:00"}).status_code == 302
    second.refresh_from_db()
    assert second.status == OccurrenceStatus.MOVED


def test_a_session_of_another_cohort_is_a_404_here(client, signed_in, admin_user, series, lead):
    other = CohortFactory(track=series.cohort.track)
    signed_in(admin_user)
    occurrence = series.occurrences.filter(starts_at__gt=NOW).first()
    for url in (
        reverse("ops:occurrence_move", args=[other.pk, occurrence.pk]),
        reverse("ops:occurrence_cancel", args=[other.pk, occurrence.pk]),
        reverse("ops:series_edit", args=[other.pk, series.pk]),
    ):
        assert client.post(url).status_code == 404


def test_everyone_but_administrators_gets_404_on_every_session_address(
    client, signed_in, series, client_a, clinician, billing_user, lead
):
    occurrence = series.occurrences.filter(starts_at__gt=NOW).first()
    urls = [
        reverse("ops:cohort_sessions", args=[series.cohort_id]),
        reverse("ops:series_new", args=[series.cohort_id]),
        reverse("ops:series_edit", args=[series.cohort_id, series.pk]),
        reverse("ops:occurrence_move", args=[series.cohort_id, occurrence.pk]),
        reverse("ops:occurrence_cancel", args=[series.cohort_id, occurrence.pk]),
    ]
    for user in (client_a, clinician, billing_user, lead):
        client.logout()
        signed_in(user)
        for url in urls:
            before = audit_denials_counted()
            assert client.get(url).status_code == 404
            assert client.post(url, _form(lead)).status_code == 404
            assert audit_denials_counted() == before + 2
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SCHEDULED
    assert SessionSeries.objects.count() == 1


def test_writes_ask_for_a_fresh_sign_in(client, admin_user, cohort, lead, series):
    from tests.conftest import sign_in

    with time_machine.travel(datetime(2026, 11, 20, 14, 54, tzinfo=UTC), tick=False):
        sign_in(client, admin_user)
    occurrence = series.occurrences.filter(starts_at__gt=NOW).first()
    for url, data in (
        (reverse("ops:series_new", args=[cohort.pk]), _form(lead)),
        (reverse("ops:series_edit", args=[cohort.pk, series.pk]), _form(lead, start_time="9:00")),
        (reverse("ops:occurrence_cancel", args=[cohort.pk, occurrence.pk]), {}),
        (
            reverse("ops:occurrence_move", args=[cohort.pk, occurrence.pk]),
            {"day": "2026-12-30", "start_time": "9:00"},
        ),
    ):
        asked = client.post(url, data)
        assert asked["Location"].startswith(reverse("account_reauthenticate")), url
    assert SessionSeries.objects.count() == 1
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SCHEDULED


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_sessions_page_and_forms_are_flat_in_the_number_of_series(
    client, signed_in, admin_user, series, lead
):
    signed_in(admin_user)
    occurrence = series.occurrences.filter(starts_at__gt=NOW).first()
    urls = [
        reverse("ops:cohort_sessions", args=[series.cohort_id]),
        reverse("ops:series_new", args=[series.cohort_id]),
        reverse("ops:series_edit", args=[series.cohort_id, series.pk]),
        reverse("ops:occurrence_move", args=[series.cohort_id, occurrence.pk]),
    ]
    small = [_count(client, url) for url in urls]
    for weekday in (2, 3, 4, 5):
        series_create(
            cohort=series.cohort,
            fields=fields(lead, weekday=weekday),
            acting_user=admin_user,
            now=NOW,
        )
    large = [_count(client, url) for url in urls]
    assert small == large, (small, large)
    assert max(large) <= 15


def test_a_new_time_zone_for_the_cohort_keeps_its_sessions_to_come_at_their_local_time(
    series, admin_user, lead
):
    from zoneinfo import ZoneInfo

    from ops.services.cohorts import CohortFields, cohort_update

    cohort = series.cohort
    past = dict(series.occurrences.filter(starts_at__lte=NOW).values_list("pk", "starts_at"))
    cohort_update(
        cohort=cohort,
        fields=CohortFields(
            track=cohort.track, name=cohort.name, start_date=cohort.start_date,
            capacity=cohort.capacity, timezone="Europe/London", meeting_weekday=1,
            meeting_time=time(18, 30), clinicians=(lead,),
        ),
        acting_user=admin_user,
        now=NOW,
    )  # fmt: skip
    series.refresh_from_db()
    assert series.timezone == "Europe/London"
    assert dict(series.occurrences.filter(pk__in=past).values_list("pk", "starts_at")) == past
    future = series.occurrences.filter(starts_at__gt=NOW)
    assert future.exists()
    zone = ZoneInfo("Europe/London")
    assert {o.starts_at.astimezone(zone).time() for o in future} == {time(18, 30)}
