"""Risk flags (S-2, S-5): raised from each source, the care team alerted at once whatever the
hour (email, and a text when SMS is configured), trauma-intense weeks held until the flag is
resolved, escalation once when nobody acknowledges it in time, and every step audited."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.roles import Role
from audit.models import Action, AuditEvent
from care.models import RiskFlag, Supervision
from care.services import (
    FlagError,
    risk_flag_acknowledge,
    risk_flag_anchor,
    risk_flag_raise,
    risk_flag_resolve,
    risk_flags_escalate_due,
)
from courses.models import ModuleRelease, PacingAction, PacingKind, PacingReason
from courses.services.releases import enrollment_release_due_modules
from measures.instruments import instruments_load, read_instruments
from measures.models import Instrument
from measures.services import administration_submit
from notifications.models import Channel, Kind, Notification, Status
from tests.factories import EnrollmentFactory, UserFactory, make_track

START = date(2026, 11, 2)  # a Monday; week 3 (trauma-intense) is due Monday 16 November
# Tuesday 10 November, 23:00 in New York (the clinician's and the practice's zone).
LATE_TUESDAY = datetime(2026, 11, 11, 4, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(client_a):
    track = make_track(weeks=6, lessons_per_module=1, trauma_weeks=(3, 5))
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=START)
    enrollment_release_due_modules(enrollment=enrollment, now=LATE_TUESDAY)
    return enrollment


@pytest.fixture
def ny_clinician(clinician):
    clinician.timezone = "America/New_York"
    clinician.save(update_fields=["timezone"])
    return clinician


def open_weeks(enrollment):
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def safety_holds(enrollment):
    return sorted(
        PacingAction.objects.filter(
            enrollment=enrollment,
            kind=PacingKind.HOLD,
            reason_code=PacingReason.SAFETY_REVIEW,
            lifted_at__isnull=True,
        ).values_list("module__week", flat=True)
    )


def alerts(kind=Kind.RISK_ALERT):
    return list(Notification.objects.filter(kind=kind).order_by("pk"))


def test_a_flag_at_23h_alerts_the_clinician_at_once_and_holds_the_trauma_weeks(
    client_a, ny_clinician, enrollment
):
    assert open_weeks(enrollment) == [1, 2]
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    assert (flag.status, flag.raised_at) == (RiskFlag.Status.RAISED, LATE_TUESDAY)
    # Four business hours in New York from Tuesday 23:00: Wednesday 13:00 (18:00 UTC).
    assert flag.escalate_at == datetime(2026, 11, 11, 18, 0, tzinfo=UTC)
    [alert] = alerts()
    assert (alert.user, alert.channel, alert.status) == (
        ny_clinician,
        Channel.EMAIL,
        Status.PENDING,
    )
    assert alert.scheduled_for == LATE_TUESDAY  # quiet hours do not hold it
    assert (alert.link_target, alert.link_anchor) == (
        "care:flags",
        risk_flag_anchor(flag_id=flag.pk),
    )
    assert str(flag.pk) not in alert.link_anchor
    assert safety_holds(enrollment) == [3, 5]
    assert (
        PacingAction.objects.filter(reason_code=PacingReason.SAFETY_REVIEW).first().author is None
    )
    row = AuditEvent.objects.get(action=Action.RISK_FLAG_RAISED)
    assert (row.actor, row.subject, row.metadata) == (client_a, client_a, {"source": "client"})


def test_with_sms_configured_the_alert_also_goes_by_text(settings, client_a, ny_clinician):
    settings.SMS_ENABLED = True
    ny_clinician.phone = "+15555550123"
    ny_clinician.save(update_fields=["phone"])
    risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    assert sorted(a.channel for a in alerts()) == [Channel.EMAIL, Channel.SMS]
    assert {a.scheduled_for for a in alerts()} == {LATE_TUESDAY}


def test_a_second_tap_of_not_safe_returns_the_open_flag(client_a, clinician):
    first = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    again = risk_flag_raise(
        client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY + timedelta(minutes=2)
    )
    assert again == first
    assert RiskFlag.objects.count() == 1 and len(alerts()) == 1


def test_phq9_item_nine_raises_a_flag_in_the_same_transaction(client_a, clinician, enrollment):
    instruments_load(read_instruments())
    answers = dict.fromkeys(range(1, 9), 0) | {9: 1}
    done = administration_submit(
        client=client_a,
        instrument=Instrument.objects.get(key="phq9"),
        answers=answers,
        now=LATE_TUESDAY,
    )
    flag = RiskFlag.objects.get(client=client_a)
    assert (flag.source, flag.source_ref) == ("measure", f"administration:{done.pk}")
    assert len(alerts()) == 1 and safety_holds(enrollment) == [3, 5]


def test_nobody_acknowledging_escalates_once_to_supervisors_and_clinical_admins(
    client_a, ny_clinician
):
    supervisor = UserFactory(role=Role.SUPERVISOR)
    Supervision.objects.create(supervisor=supervisor, clinician=ny_clinician)
    overseer = UserFactory(role=Role.ADMIN, clinical_oversight=True)
    UserFactory(role=Role.ADMIN)  # not marked clinical: never told
    UserFactory(role=Role.BILLING)
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    assert risk_flags_escalate_due(now=flag.escalate_at - timedelta(seconds=1)) == 0
    assert risk_flags_escalate_due(now=flag.escalate_at) == 1
    assert risk_flags_escalate_due(now=flag.escalate_at + timedelta(hours=1)) == 0
    escalated = alerts(Kind.RISK_ESCALATION)
    assert [a.user for a in escalated] == [supervisor, overseer]
    flag.refresh_from_db()
    assert flag.escalated_at == flag.escalate_at
    assert AuditEvent.objects.filter(action=Action.RISK_FLAG_ESCALATED).count() == 1


def test_an_acknowledged_flag_does_not_escalate(client_a, ny_clinician):
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    risk_flag_acknowledge(flag=flag, by=ny_clinician, now=LATE_TUESDAY + timedelta(minutes=5))
    assert risk_flags_escalate_due(now=flag.escalate_at + timedelta(days=1)) == 0
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by) == (RiskFlag.Status.ACKNOWLEDGED, ny_clinician)


def test_a_client_nobody_follows_escalates_at_once(client_b):
    overseer = UserFactory(role=Role.ADMIN, clinical_oversight=True)
    flag = risk_flag_raise(client=client_b, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    assert flag.escalated_at == LATE_TUESDAY
    assert [a.user for a in alerts(Kind.RISK_ESCALATION)] == [overseer]
    assert risk_flags_escalate_due(now=flag.escalate_at) == 0


def test_the_trauma_week_stays_held_until_the_flag_is_resolved_then_opens(
    client_a, ny_clinician, enrollment
):
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    monday = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)  # week 3 is due
    enrollment_release_due_modules(enrollment=enrollment, now=monday)
    assert open_weeks(enrollment) == [1, 2]
    risk_flag_acknowledge(flag=flag, by=ny_clinician, now=monday)
    enrollment_release_due_modules(enrollment=enrollment, now=monday)
    assert open_weeks(enrollment) == [1, 2]  # seen is not yet reviewed
    risk_flag_resolve(
        flag=flag,
        by=ny_clinician,
        action=RiskFlag.ActionTaken.PLAN_REVIEWED,
        note="",
        now=monday + timedelta(hours=1),
    )
    assert open_weeks(enrollment) == [1, 2, 3]
    assert safety_holds(enrollment) == []  # week 5's hold is lifted too; it opens on schedule


def test_holds_stay_while_another_flag_is_open(client_a, ny_clinician, enrollment):
    first = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    risk_flag_raise(
        client=client_a,
        source=RiskFlag.Source.CLINICIAN,
        raised_by=ny_clinician,
        note="Said things were hard on the phone.",
        now=LATE_TUESDAY,
    )
    risk_flag_resolve(flag=first, by=ny_clinician, action="contacted", note="", now=LATE_TUESDAY)
    assert safety_holds(enrollment) == [3, 5]


def test_resolving_needs_an_action_and_a_reason_for_no_action(client_a, ny_clinician):
    flag = risk_flag_raise(client=client_a, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    with pytest.raises(FlagError, match="Choose the action"):
        risk_flag_resolve(flag=flag, by=ny_clinician, action="", note="", now=LATE_TUESDAY)
    with pytest.raises(FlagError, match="Say why"):
        risk_flag_resolve(
            flag=flag, by=ny_clinician, action="no_action", note=" ", now=LATE_TUESDAY
        )
    flag.refresh_from_db()
    assert flag.status == RiskFlag.Status.RAISED
    done = risk_flag_resolve(
        flag=flag,
        by=ny_clinician,
        action="no_action",
        note="Answered item 9 by mistake; we talked.",
        now=LATE_TUESDAY,
    )
    assert (done.status, done.acknowledged_by, done.resolved_by) == (
        RiskFlag.Status.RESOLVED,
        ny_clinician,
        ny_clinician,
    )
    with pytest.raises(FlagError, match="already resolved"):
        risk_flag_resolve(flag=flag, by=ny_clinician, action="contacted", note="", now=LATE_TUESDAY)
    row = AuditEvent.objects.get(action=Action.RISK_FLAG_RESOLVED)
    assert row.metadata == {"action": "no_action"}  # never the clinician's words


def test_a_flag_is_only_about_a_client(ny_clinician):
    with pytest.raises(FlagError):
        risk_flag_raise(client=ny_clinician, source=RiskFlag.Source.CLIENT, now=LATE_TUESDAY)
    assert not RiskFlag.objects.exists()
