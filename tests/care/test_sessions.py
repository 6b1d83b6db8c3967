"""The clinician's sessions list and attendance screen: only the session's own clinician opens
it (everyone else a denied 404), a good Save stores every mark, a bad one stores nothing and
says why, and both pages stay flat in queries as the group grows."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from meetings.models import Attendance
from tests.factories import UserFactory
from tests.meetings.helpers import group_with_sessions

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
# Wednesday 21 October: three Tuesday sessions held (6, 13, 20 October), the fourth to come.
NOW = datetime(2026, 10, 21, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lead(db):
    return UserFactory(role=Role.CLINICIAN, preferred_name="Dr. Lead")


@pytest.fixture
def group(lead):
    return group_with_sessions(lead=lead, members=2, start=date(2026, 10, 5), now=BEFORE)


def _url(occurrence):
    return reverse("care:session_attendance", args=[occurrence.pk])


def test_the_list_shows_the_clinicians_own_sessions_recent_and_to_come(
    client, signed_in, lead, group
):
    cohort, _, sessions = group
    other = UserFactory(role=Role.CLINICIAN)
    group_with_sessions(lead=other, members=1, start=date(2026, 10, 5), now=BEFORE)
    signed_in(lead)
    page = client.get(reverse("care:sessions")).content.decode()
    assert page.count(f"Group: {cohort.name}") == 4
    assert page.count(">Take attendance</a>") == 3
    assert _url(sessions[0]) in page and _url(sessions[3]) not in page


def test_the_clinician_marks_everyone_in_one_save(client, signed_in, lead, group):
    _, (ann, bo), sessions = group
    signed_in(lead)
    page = client.get(_url(sessions[2])).content.decode()
    assert "Member 01" in page and "Member 02" in page
    response = client.post(
        _url(sessions[2]),
        {f"status_{ann.pk}": "present", f"minutes_{ann.pk}": "", f"status_{bo.pk}": "late",
         f"minutes_{bo.pk}": "70"},
    )  # fmt: skip
    assert response.status_code == 302
    got = dict(Attendance.objects.values_list("client_id", "minutes"))
    assert got == {ann.pk: 90, bo.pk: 70}
    page = client.get(_url(sessions[2])).content.decode()
    assert "Attendance saved." in page
    assert 'value="70"' in page
    assert AuditEvent.objects.filter(action=Action.ATTENDANCE_VIEWED, actor=lead).count() == 2


@pytest.mark.parametrize(
    ("minutes", "error"),
    [("91", "0 to 90, the session"), ("-1", "0 to 90"), ("lots", "Enter a whole number")],
)
def test_bad_minutes_store_nothing_and_say_why(client, signed_in, lead, group, minutes, error):
    _, (ann, bo), sessions = group
    signed_in(lead)
    response = client.post(
        _url(sessions[0]),
        {f"status_{ann.pk}": "present", f"status_{bo.pk}": "late", f"minutes_{bo.pk}": minutes},
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_unknown_status_or_a_missing_one_stores_nothing(client, signed_in, lead, group):
    _, (ann, bo), sessions = group
    signed_in(lead)
    response = client.post(_url(sessions[0]), {f"status_{ann.pk}": "asleep"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page and "Choose how they attended." in page
    assert not Attendance.objects.exists()


def test_late_without_minutes_is_refused_by_the_service_and_shown(client, signed_in, lead, group):
    _, (ann, bo), sessions = group
    signed_in(lead)
    response = client.post(
        _url(sessions[0]), {f"status_{ann.pk}": "present", f"status_{bo.pk}": "left_early"}
    )
    assert response.status_code == 400
    assert "Enter the minutes they attended, 0 to 90." in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_session_to_come_shows_no_form_and_takes_nothing(client, signed_in, lead, group):
    _, (ann, _), sessions = group
    signed_in(lead)
    page = client.get(_url(sessions[3])).content.decode()
    assert "has not begun yet" in page and "<form" not in page.split("<main", 1)[-1]
    response = client.post(_url(sessions[3]), {f"status_{ann.pk}": "present"})
    assert response.status_code == 400
    assert "This session has not begun yet." in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("role", ["other_clinician", "supervisor", "client", "billing", "admin"])
def test_anyone_but_the_sessions_clinician_gets_a_denied_404(client, signed_in, lead, group, role):
    _, (ann, _), sessions = group
    if role == "client":
        user = ann
    elif role == "other_clinician":
        user = UserFactory(role=Role.CLINICIAN)
    else:
        user = UserFactory(role=role)
    signed_in(user)
    before = audit_denials_counted(actor_id=user.pk)
    assert client.get(_url(sessions[0])).status_code == 404
    assert client.post(_url(sessions[0]), {f"status_{ann.pk}": "absent"}).status_code == 404
    assert audit_denials_counted(actor_id=user.pk) == before + 2
    assert not Attendance.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, group):
    _, _, sessions = group
    response = client.get(_url(sessions[0]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_both_pages_are_flat_from_a_small_group_to_a_large_one(client, signed_in):
    counts = []
    for members in (2, 12):
        lead = UserFactory(role=Role.CLINICIAN)
        _, clients, sessions = group_with_sessions(
            lead=lead, members=members, start=date(2026, 10, 5), now=BEFORE, weeks=members
        )
        signed_in(lead)
        client.post(
            _url(sessions[0]), {f"status_{c.pk}": "late" for c in clients} | {
                f"minutes_{c.pk}": "30" for c in clients}
        )  # fmt: skip
        counts.append(
            (_queries(client, reverse("care:sessions")), _queries(client, _url(sessions[0])))
        )
        client.logout()
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 15, counts
