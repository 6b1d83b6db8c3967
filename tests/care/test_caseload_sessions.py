"""Absences in the caseload: a client who missed the last two group sessions in a row ranks
high with a reason saying so, and their clinician was alerted once, landing on their row."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from care.selectors.caseload import POINTS_MISSED_SESSIONS, caseload_row_anchor, caseload_rows
from meetings.attendance_services import Mark, attendance_record
from notifications.models import Kind, Notification
from tests.factories import UserFactory
from tests.meetings.helpers import group_with_sessions

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 21, 15, 0, tzinfo=UTC)


@pytest.fixture
def marked():
    """Three members over three sessions: Member 01 absent twice in a row (ranks first),
    Member 02 absent then excused, Member 03 absent, present, absent."""
    lead = UserFactory(role=Role.CLINICIAN)
    _, clients, sessions = group_with_sessions(
        lead=lead, members=3, start=date(2026, 10, 5), now=BEFORE
    )
    plan = {
        0: ("present", "absent", "absent"),
        1: ("present", "absent", "excused"),
        2: ("absent", "present", "absent"),
    }
    for index, occurrence in enumerate(sessions[:3]):
        attendance_record(
            occurrence=occurrence,
            marks=[Mark(client.pk, plan[n][index]) for n, client in enumerate(clients)],
            by=lead,
            now=NOW,
        )
    return lead, clients


def test_two_missed_in_a_row_ranks_high_with_its_reason(marked):
    lead, (first, second, third) = marked
    rows = caseload_rows(viewer=lead, now=NOW).rows
    assert rows[0].client.pk == first.pk
    assert [r.key for r in rows[0].reasons] == ["missed_sessions"]
    assert rows[0].reasons[0].label == "Missed the last 2 group sessions"
    assert rows[0].urgency == POINTS_MISSED_SESSIONS
    assert not any(row.missed_sessions for row in rows[1:])


def test_the_alert_went_once_to_the_clinician_and_opens_the_row(client, signed_in, marked):
    lead, (first, _, _) = marked
    alert = Notification.objects.get(kind=Kind.ABSENCE_ALERT)
    assert (alert.user, alert.link_anchor) == (lead, caseload_row_anchor(client_id=first.pk))
    with time_machine.travel(NOW, tick=False):
        signed_in(lead)
        page = client.get(reverse("care:caseload")).content.decode()
    assert "Missed the last 2 group sessions" in page
