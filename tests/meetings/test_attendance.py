"""Attendance: only the session's own clinician marks it, bad marks store nothing, corrections
are audited with the old and new status, and two absences in a row alert the care team once."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from accounts.roles import Role
from audit.models import Action, AuditEvent
from meetings.attendance_services import AttendanceError, Mark, attendance_record
from meetings.models import Attendance, AttendanceStatus, Occurrence
from meetings.selectors_attendance import missed_in_a_row, session_clients
from meetings.services import individual_session_book, occurrence_cancel, series_create
from notifications.models import Kind, Notification
from tests.factories import CareAssignmentFactory, EnrollmentFactory, UserFactory

from .conftest import fields

BEFORE_START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
# After the third session (Tuesday 20 October, 18:30 in New York).
LATER = datetime(2026, 10, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def series(cohort, lead, admin_user):
    return series_create(
        cohort=cohort, fields=fields(lead), acting_user=admin_user, now=BEFORE_START
    )


@pytest.fixture
def sessions(series):
    return list(series.occurrences.order_by("starts_at"))


@pytest.fixture
def second(cohort):
    client = UserFactory(role=Role.CLIENT, preferred_name="Avery")
    EnrollmentFactory(
        client=client, track=cohort.track, cohort=cohort, start_date=cohort.start_date
    )
    return client


def test_present_is_the_whole_session_and_late_keeps_its_minutes(sessions, lead, member, second):
    rows = attendance_record(
        occurrence=sessions[0],
        marks=[Mark(member.pk, "present"), Mark(second.pk, "late", 60)],
        by=lead,
        now=LATER,
    )
    got = {row.client_id: (row.status, row.minutes) for row in rows}
    assert got == {member.pk: ("present", 90), second.pk: ("late", 60)}
    events = AuditEvent.objects.filter(action=Action.ATTENDANCE_RECORDED)
    assert {e.subject_id for e in events} == {member.pk, second.pk}
    assert all(e.actor_id == lead.pk for e in events)


def test_the_session_is_for_the_cohorts_members_on_its_date(sessions, cohort, member):
    EnrollmentFactory(
        client=UserFactory(role=Role.CLIENT), track=cohort.track, cohort=cohort,
        start_date=date(2026, 11, 1),
    )  # fmt: skip
    EnrollmentFactory(
        client=UserFactory(role=Role.CLIENT), track=cohort.track, cohort=cohort,
        start_date=cohort.start_date, status="withdrawn",
    )  # fmt: skip
    assert session_clients(occurrence=sessions[0]) == [member]


def test_another_clinician_cannot_take_the_sessions_attendance(sessions, member):
    other = UserFactory(role=Role.CLINICIAN)
    with pytest.raises(AttendanceError):
        attendance_record(
            occurrence=sessions[0], marks=[Mark(member.pk, "present")], by=other, now=LATER
        )
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        (("late", 91), "0 to 90"),
        (("present", 200), "0 to 90"),
        (("asleep", None), "Choose present"),
        (("absent", 30), "0 minutes"),
        (("left_early", None), "Enter the minutes"),
    ],
)
def test_a_bad_mark_stores_nothing_not_even_the_good_ones(
    sessions, lead, member, second, mark, message
):
    with pytest.raises(AttendanceError) as caught:
        attendance_record(
            occurrence=sessions[0],
            marks=[Mark(second.pk, "present"), Mark(member.pk, *mark)],
            by=lead,
            now=LATER,
        )
    assert message in caught.value.errors[member.pk]
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.ATTENDANCE_RECORDED).exists()


def test_someone_not_in_the_session_is_refused(sessions, lead, member):
    stranger = UserFactory(role=Role.CLIENT)
    with pytest.raises(AttendanceError) as caught:
        attendance_record(
            occurrence=sessions[0],
            marks=[Mark(member.pk, "present"), Mark(stranger.pk, "present")],
            by=lead,
            now=LATER,
        )
    assert "not in this session" in caught.value.errors[None]
    assert not Attendance.objects.exists()


def test_a_session_still_to_come_or_cancelled_takes_no_attendance(sessions, lead, member):
    with pytest.raises(AttendanceError) as caught:
        attendance_record(
            occurrence=sessions[3], marks=[Mark(member.pk, "present")], by=lead, now=LATER
        )
    assert "not begun" in caught.value.errors[None]
    occurrence_cancel(occurrence=sessions[1], acting_user=lead, now=BEFORE_START)
    with pytest.raises(AttendanceError) as caught:
        attendance_record(
            occurrence=sessions[1], marks=[Mark(member.pk, "present")], by=lead, now=LATER
        )
    assert "cancelled" in caught.value.errors[None]
    assert not Attendance.objects.exists()


def test_a_session_that_has_begun_takes_attendance(sessions, lead, member):
    begun = sessions[0].starts_at + timedelta(minutes=5)
    attendance_record(
        occurrence=sessions[0], marks=[Mark(member.pk, "present")], by=lead, now=begun
    )
    assert Attendance.objects.get().minutes == 90


def test_a_correction_changes_the_row_and_is_audited_with_the_old_and_new_status(
    sessions, lead, member
):
    attendance_record(occurrence=sessions[0], marks=[Mark(member.pk, "absent")], by=lead, now=LATER)
    later = LATER + timedelta(days=2)
    attendance_record(
        occurrence=sessions[0], marks=[Mark(member.pk, "left_early", 45)], by=lead, now=later
    )
    row = Attendance.objects.get()
    assert (row.status, row.minutes, row.marked_at, row.updated_at) == (
        "left_early", 45, LATER, later
    )  # fmt: skip
    corrected = AuditEvent.objects.get(action=Action.ATTENDANCE_CORRECTED)
    assert corrected.metadata == {
        "old_status": "absent", "new_status": "left_early", "old_minutes": 0, "new_minutes": 45
    }  # fmt: skip
    # The same marks again change nothing and audit nothing.
    attendance_record(
        occurrence=sessions[0], marks=[Mark(member.pk, "left_early", 45)], by=lead, now=later
    )
    assert AuditEvent.objects.filter(action=Action.ATTENDANCE_CORRECTED).count() == 1


def test_two_absences_in_a_row_alert_the_care_team_once(sessions, lead, member):
    CareAssignmentFactory(clinician=lead, client=member)
    attendance_record(occurrence=sessions[0], marks=[Mark(member.pk, "absent")], by=lead, now=LATER)
    assert not Notification.objects.filter(kind=Kind.ABSENCE_ALERT).exists()
    attendance_record(occurrence=sessions[1], marks=[Mark(member.pk, "absent")], by=lead, now=LATER)
    alert = Notification.objects.get(kind=Kind.ABSENCE_ALERT)
    assert alert.user == lead
    assert alert.link_target == "care:caseload"
    assert missed_in_a_row(client_ids=[member.pk]) == {member.pk: sessions[1].pk}
    # Saved again, or corrected back and forth: still one alert for that session.
    attendance_record(
        occurrence=sessions[1], marks=[Mark(member.pk, "excused")], by=lead, now=LATER
    )
    assert missed_in_a_row(client_ids=[member.pk]) == {}
    attendance_record(occurrence=sessions[1], marks=[Mark(member.pk, "absent")], by=lead, now=LATER)
    assert Notification.objects.filter(kind=Kind.ABSENCE_ALERT).count() == 1


def test_an_excused_or_attended_session_between_breaks_the_run(sessions, lead, member):
    CareAssignmentFactory(clinician=lead, client=member)
    for occurrence, status in zip(sessions[:3], ("absent", "excused", "absent"), strict=True):
        attendance_record(
            occurrence=occurrence, marks=[Mark(member.pk, status)], by=lead, now=LATER
        )
    assert not Notification.objects.filter(kind=Kind.ABSENCE_ALERT).exists()
    assert missed_in_a_row(client_ids=[member.pk]) == {}


def test_correcting_an_older_session_to_absent_does_not_alert(sessions, lead, member):
    CareAssignmentFactory(clinician=lead, client=member)
    attendance_record(
        occurrence=sessions[0], marks=[Mark(member.pk, "present")], by=lead, now=LATER
    )
    attendance_record(occurrence=sessions[1], marks=[Mark(member.pk, "absent")], by=lead, now=LATER)
    attendance_record(
        occurrence=sessions[2], marks=[Mark(member.pk, "present")], by=lead, now=LATER
    )
    attendance_record(occurrence=sessions[0], marks=[Mark(member.pk, "absent")], by=lead, now=LATER)
    assert not Notification.objects.filter(kind=Kind.ABSENCE_ALERT).exists()


def test_an_individual_session_is_for_its_client_alone(lead, member, second):
    series = individual_session_book(
        clinician=lead, client=member, day=date(2026, 10, 7), start_time=time(10, 0),
        length_minutes=50, weeks=1, video_url="https://video.example.org/r", now=BEFORE_START,
    )  # fmt: skip
    occurrence = Occurrence.objects.get(series=series)
    assert session_clients(occurrence=occurrence) == [member]
    with pytest.raises(AttendanceError):
        attendance_record(
            occurrence=occurrence, marks=[Mark(second.pk, "present")], by=lead, now=LATER
        )
    attendance_record(occurrence=occurrence, marks=[Mark(member.pk, "present")], by=lead, now=LATER)
    assert Attendance.objects.get().minutes == 50
    assert Attendance.objects.get().status == AttendanceStatus.PRESENT
