"""A clinician books individual sessions for a client in their care, from the record
(/care/clients/<id>/sessions/new/): in the client's own zone, audited; anyone else (another
clinician, the client, billing, administrators) gets a denied 404; bad input stores nothing."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from meetings.models import Occurrence, SeriesKind, SessionSeries
from tests.factories import CareAssignmentFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
LINK = "https://video.example.org/room/1"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _form(**changes):
    data = {
        "day": "2026-11-25",
        "start_time": "10:00",
        "length_minutes": "50",
        "weeks": "3",
        "video_url": LINK,
    }
    data.update(changes)
    return data


def test_the_clinician_books_weekly_sessions_in_the_clients_zone(
    client, signed_in, clinician, client_a
):
    client_a.timezone = "America/Chicago"
    client_a.save()
    signed_in(clinician)
    url = reverse("care:session_new", args=[client_a.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _form()).status_code == 302
    series = SessionSeries.objects.get()
    assert (series.kind, series.client, series.clinician) == (
        SeriesKind.INDIVIDUAL,
        client_a,
        clinician,
    )
    starts = [o.starts_at.astimezone(ZoneInfo("America/Chicago")) for o in series.occurrences.all()]
    assert [(s.date(), s.time()) for s in starts] == [
        (date(2026, 11, 25), time(10)),
        (date(2026, 12, 2), time(10)),
        (date(2026, 12, 9), time(10)),
    ]
    assert AuditEvent.objects.filter(action=Action.SESSION_BOOKED, subject=client_a).exists()
    page = client.get(url).content.decode()
    assert "Appointment, Wed 25 Nov, 10:00–10:50" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"length_minutes": "0"}, "length_minutes"),
        ({"video_url": "http://video.example.org/room"}, "video_url"),
        ({"day": "2026-11-19"}, "day"),
        ({"weeks": "0"}, "weeks"),
        ({"day": "not a day"}, "day"),
    ],
)
def test_bad_input_comes_back_with_its_error_and_books_nothing(
    client, signed_in, clinician, client_a, changes, field
):
    signed_in(clinician)
    response = client.post(reverse("care:session_new", args=[client_a.pk]), _form(**changes))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not SessionSeries.objects.exists() and not Occurrence.objects.exists()


def test_everyone_outside_the_care_team_gets_404(
    client, signed_in, client_a, client_b, other_clinician, billing_user, admin_user
):
    url = reverse("care:session_new", args=[client_a.pk])
    for user in (client_a, client_b, other_clinician, billing_user, admin_user):
        client.logout()
        signed_in(user)
        before = audit_denials_counted()
        assert client.get(url).status_code == 404
        assert client.post(url, _form()).status_code == 404
        assert audit_denials_counted() == before + 2
    assert not SessionSeries.objects.exists()


def test_the_booking_page_is_flat_in_the_number_of_sessions(client, signed_in, clinician, client_a):
    signed_in(clinician)
    url = reverse("care:session_new", args=[client_a.pk])
    counts = []
    for day in ("2026-11-23", "2026-11-24"):
        client.post(url, _form(day=day, weeks="4"))
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 15, counts


# --- cancelling one of them -------------------------------------------------------------------


def _booked(client, client_a):
    client.post(reverse("care:session_new", args=[client_a.pk]), _form())
    return list(Occurrence.objects.filter(series__client=client_a).order_by("starts_at"))


def test_the_leading_clinician_cancels_one_upcoming_appointment(client, signed_in, clinician,
                                                               client_a):  # fmt: skip
    signed_in(clinician)
    first, second, third = _booked(client, client_a)
    page = client.get(reverse("care:session_new", args=[client_a.pk])).content.decode()
    assert reverse("care:session_cancel", args=[client_a.pk, second.pk]) in page
    response = client.post(reverse("care:session_cancel", args=[client_a.pk, second.pk]))
    assert response.status_code == 302
    statuses = list(Occurrence.objects.filter(series__client=client_a)
                    .order_by("starts_at").values_list("status", flat=True))  # fmt: skip
    assert statuses == ["scheduled", "cancelled", "scheduled"]
    assert AuditEvent.objects.filter(action=Action.SESSION_CANCELLED, actor=clinician).exists()
    # Again: already cancelled, a calm message and nothing else changes.
    client.post(reverse("care:session_cancel", args=[client_a.pk, second.pk]))
    assert AuditEvent.objects.filter(action=Action.SESSION_CANCELLED).count() == 1


def test_a_session_that_has_begun_stays_as_it_was(client, signed_in, clinician, client_a):
    signed_in(clinician)
    first, *_ = _booked(client, client_a)
    with time_machine.travel(first.starts_at, tick=False):
        signed_in(clinician)
        client.post(reverse("care:session_cancel", args=[client_a.pk, first.pk]))
    first.refresh_from_db()
    assert first.status == "scheduled"


@pytest.mark.parametrize("who", ["other_clinician", "billing_user", "admin_user", "client_a"])
def test_nobody_else_cancels(client, signed_in, clinician, client_a, who, request):
    signed_in(clinician)
    first, *_ = _booked(client, client_a)
    client.logout()
    signed_in(request.getfixturevalue(who))
    before = audit_denials_counted()
    url = reverse("care:session_cancel", args=[client_a.pk, first.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    assert audit_denials_counted() == before + 2
    first.refresh_from_db()
    assert first.status == "scheduled"


def test_another_clients_appointment_through_this_clients_address_is_404(
    client, signed_in, clinician, client_a, client_b
):
    CareAssignmentFactory(clinician=clinician, client=client_b)
    signed_in(clinician)
    first, *_ = _booked(client, client_a)
    assert (
        client.post(reverse("care:session_cancel", args=[client_b.pk, first.pk])).status_code == 404
    )
    first.refresh_from_db()
    assert first.status == "scheduled"
