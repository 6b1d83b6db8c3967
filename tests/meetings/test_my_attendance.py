"""The client's own attendance and hours (/me/attendance/), and the record's Hours section:
each client sees only their own rows, newest first, in their zone; flat in queries."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from meetings.attendance_services import Mark, attendance_record
from tests.factories import UserFactory
from tests.meetings.helpers import group_with_sessions

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 28, 15, 0, tzinfo=UTC)  # after four Tuesday sessions
URL = reverse("attendance:mine")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _group(sessions_marked: int):
    lead = UserFactory(role=Role.CLINICIAN)
    _, (mine, theirs), sessions = group_with_sessions(
        lead=lead, members=2, start=date(2026, 10, 5), now=BEFORE, weeks=6
    )
    statuses = ["present", "late", "absent", "left_early"]
    for n, occurrence in enumerate(sessions[:sessions_marked]):
        status = statuses[n % 4]
        minutes = {"late": 75, "left_early": 40}.get(status)
        attendance_record(
            occurrence=occurrence,
            marks=[Mark(mine.pk, status, minutes), Mark(theirs.pk, "excused")],
            by=lead,
            now=NOW,
        )
    return lead, mine, theirs


def test_the_client_sees_their_own_sessions_newest_first_and_their_hours(client, signed_in):
    _, mine, _ = _group(4)
    signed_in(mine)
    page = client.get(URL).content.decode()
    order = [page.index(s) for s in ("Left early", "Absent", "Late", "Present")]
    assert order == sorted(order)
    assert "40 of 90" in page and "75 of 90" in page and "0 of 90" in page
    assert "Excused" not in page  # the other member's marks
    # Tue 6 Oct 18:30 in New York: 90 minutes; 13 Oct: 75; 20 Oct: 0; 27 Oct: 40.
    assert "Target: 9 hours a week" in page
    assert '<svg class="chart__svg"' in page
    assert ">1.5<" in page and ">1.3<" in page and ">0.7<" in page


def test_a_client_with_nothing_marked_is_told_so(client, signed_in):
    signed_in(UserFactory(role=Role.CLIENT))
    page = client.get(URL).content.decode()
    assert "No attendance has been marked yet." in page
    assert "once your program has begun" in page


def test_anonymous_signs_in_and_staff_get_404(client, signed_in):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    signed_in(UserFactory(role=Role.CLINICIAN))
    assert client.get(URL).status_code == 404


def test_the_record_shows_the_clients_hours_and_latest_sessions(client, signed_in):
    lead, mine, _ = _group(3)
    signed_in(lead)
    page = client.get(reverse("care:client_detail", args=[mine.pk])).content.decode()
    section = page.split('id="hours"', 1)[1].split("</section>", 1)[0]
    assert "Target: 9 hours a week" in section
    assert section.count("Group session") == 3
    assert '<svg class="chart__svg"' in section


def _queries(client) -> int:
    client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_is_flat_from_one_session_to_many(client, signed_in):
    counts = []
    for marked in (1, 4):
        _, mine, _ = _group(marked)
        signed_in(mine)
        counts.append(_queries(client))
        client.logout()
    assert counts[0] == counts[1] <= 15, counts
