"""When a client is asked to answer (measures/schedule.py), the clinician's changes to it, "not
now", and the discreet reminder: baseline at enrollment, then every interval from the last
answer, a request makes everything due at once, a skip puts it aside for a few days and is
recorded, and each due date is reminded once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from accounts.roles import Role
from audit.models import Action, AuditEvent
from courses.services.enrollment import enrollment_create
from measures.models import MeasureSchedule, MeasureSkip
from measures.reminders import measure_reminders_enqueue_due
from measures.schedule import client_schedule, due_measures
from measures.services import (
    ScheduleError,
    administration_submit,
    measure_interval_set,
    measure_request,
    measure_skip,
)
from notifications.models import Kind, Notification
from tests.factories import UserFactory, make_track

ENROLLED = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
DAY = timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def track(db):
    return make_track(weeks=4, lessons_per_module=1, trauma_weeks=())


@pytest.fixture
def client_user(track):
    client = UserFactory(role=Role.CLIENT)
    enrollment_create(client=client, track=track, start_date=date(2026, 11, 9), now=ENROLLED)
    return client


def due_keys(client, now) -> list[str]:
    schedule = client_schedule(client_id=client.pk, now=now)
    return [m.key for m in schedule.due] if schedule else []


ZEROS = {"phq9": {n: 0 for n in range(1, 10)}, "gad7": {n: 0 for n in range(1, 8)}}


def test_the_baseline_is_due_from_enrollment_before_week_one_opens(instruments, client_user):
    assert due_keys(client_user, ENROLLED - DAY) == []
    schedule = client_schedule(client_id=client_user.pk, now=ENROLLED)
    assert [(m.key, m.baseline, m.due_at) for m in schedule.due] == [
        ("gad7", True, ENROLLED),
        ("phq9", True, ENROLLED),
    ]


def test_nobody_is_asked_without_an_active_enrollment(instruments, track):
    waiting = UserFactory(role=Role.CLIENT)
    enrollment_create(
        client=waiting, track=track, start_date=date(2026, 11, 9), status="pending_payment",
        now=ENROLLED,
    )  # fmt: skip
    nobody = UserFactory(role=Role.CLIENT)
    assert due_measures(client_ids=[waiting.pk, nobody.pk], now=ENROLLED + DAY) == {}


def test_after_an_answer_the_next_is_due_one_interval_later(instruments, client_user):
    answered = ENROLLED + 2 * DAY
    administration_submit(
        client=client_user, instrument=instruments["phq9"], answers=ZEROS["phq9"], now=answered
    )
    assert due_keys(client_user, answered) == ["gad7"]
    assert due_keys(client_user, answered + 14 * DAY - timedelta(seconds=1)) == ["gad7"]
    later = client_schedule(client_id=client_user.pk, now=answered + 14 * DAY)
    assert [(m.key, m.baseline) for m in later.due] == [("gad7", True), ("phq9", False)]


def test_a_clinician_sets_the_interval_and_it_is_audited(instruments, client_user):
    clinician = UserFactory(role=Role.CLINICIAN)
    answered = ENROLLED + DAY
    for key in ("phq9", "gad7"):
        administration_submit(
            client=client_user, instrument=instruments[key], answers=ZEROS[key], now=answered
        )
    measure_interval_set(client=client_user, interval_days=28, by=clinician, now=answered)
    assert due_keys(client_user, answered + 27 * DAY) == []
    assert due_keys(client_user, answered + 28 * DAY) == ["gad7", "phq9"]
    event = AuditEvent.objects.get(action=Action.MEASURE_INTERVAL_SET)
    assert (event.actor_id, event.metadata) == (clinician.pk, {"from_days": 14, "to_days": 28})
    schedule = client_schedule(client_id=client_user.pk, now=answered)
    assert (schedule.interval_days, schedule.custom_interval) == (28, True)


@pytest.mark.parametrize("days", [0, 6, 57, -14])
def test_an_interval_out_of_range_is_refused_and_nothing_is_stored(client_user, days):
    with pytest.raises(ScheduleError, match="between 7 and 56 days"):
        measure_interval_set(
            client=client_user, interval_days=days, by=UserFactory(role=Role.CLINICIAN),
            now=ENROLLED,
        )  # fmt: skip
    assert not MeasureSchedule.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.MEASURE_INTERVAL_SET).exists()


def test_asking_for_one_now_makes_every_instrument_due_until_answered(instruments, client_user):
    answered = ENROLLED + DAY
    for key in ("phq9", "gad7"):
        administration_submit(
            client=client_user, instrument=instruments[key], answers=ZEROS[key], now=answered
        )
    asked = answered + 3 * DAY
    measure_request(client=client_user, by=UserFactory(role=Role.CLINICIAN), now=asked)
    assert due_keys(client_user, asked - timedelta(seconds=1)) == []
    assert due_keys(client_user, asked) == ["gad7", "phq9"]
    administration_submit(
        client=client_user, instrument=instruments["phq9"], answers=ZEROS["phq9"], now=asked + DAY
    )
    assert due_keys(client_user, asked + DAY) == ["gad7"]
    assert AuditEvent.objects.filter(action=Action.MEASURE_REQUESTED).count() == 1


@override_settings(EHAB_MEASURE_SNOOZE_DAYS=3)
def test_not_now_puts_it_aside_for_three_days_and_is_recorded(instruments, client_user):
    skipped = ENROLLED + DAY
    measure_skip(client=client_user, instrument=instruments["phq9"], now=skipped)
    schedule = client_schedule(client_id=client_user.pk, now=skipped)
    assert [m.key for m in schedule.due] == ["gad7"]
    assert [(m.key, again) for m, again in schedule.snoozed] == [("phq9", skipped + 3 * DAY)]
    assert due_keys(client_user, skipped + 3 * DAY) == ["gad7", "phq9"]
    assert MeasureSkip.objects.get().skipped_at == skipped
    event = AuditEvent.objects.get(action=Action.MEASURE_SKIPPED)
    assert event.metadata == {"instrument": "phq9"}


def test_a_request_after_not_now_brings_it_back_at_once(instruments, client_user):
    skipped = ENROLLED + DAY
    measure_skip(client=client_user, instrument=instruments["phq9"], now=skipped)
    measure_request(client=client_user, by=UserFactory(role=Role.CLINICIAN), now=skipped + DAY)
    assert "phq9" in due_keys(client_user, skipped + DAY)


def test_many_clients_in_five_queries(instruments, track, django_assert_num_queries):
    clients = []
    for n in range(6):
        client = UserFactory(role=Role.CLIENT)
        enrollment_create(client=client, track=track, start_date=date(2026, 11, 9), now=ENROLLED)
        administration_submit(
            client=client, instrument=instruments["phq9"], answers=ZEROS["phq9"], now=ENROLLED
        )
        if n % 2:
            measure_skip(client=client, instrument=instruments["gad7"], now=ENROLLED)
        clients.append(client)
    with django_assert_num_queries(5):
        schedules = due_measures(client_ids=[c.pk for c in clients], now=ENROLLED + DAY)
    assert [len(schedules[c.pk].due) for c in clients] == [1, 0, 1, 0, 1, 0]


# --- The reminder ---


def test_the_baseline_reminder_comes_a_day_after_enrollment_and_only_once(instruments, client_user):
    assert measure_reminders_enqueue_due(now=ENROLLED + DAY - timedelta(minutes=1)) == 0
    assert measure_reminders_enqueue_due(now=ENROLLED + DAY) == 1
    assert measure_reminders_enqueue_due(now=ENROLLED + 2 * DAY) == 0
    note = Notification.objects.get(user=client_user)
    assert (note.kind, note.link_target) == (Kind.MEASURE_DUE, "measures:mine")


def test_a_later_due_date_is_reminded_on_the_day_and_a_skip_does_not_repeat_it(
    instruments, client_user
):
    answered = ENROLLED + DAY
    for key in ("phq9", "gad7"):
        administration_submit(
            client=client_user, instrument=instruments[key], answers=ZEROS[key], now=answered
        )
    assert measure_reminders_enqueue_due(now=answered + 13 * DAY) == 0
    assert measure_reminders_enqueue_due(now=answered + 14 * DAY) == 1
    for key in ("phq9", "gad7"):
        measure_skip(client=client_user, instrument=instruments[key], now=answered + 14 * DAY)
    # Back after the snooze on the same due date: no second message.
    assert measure_reminders_enqueue_due(now=answered + 18 * DAY) == 0
    assert Notification.objects.filter(kind=Kind.MEASURE_DUE).count() == 1


def test_a_skipped_questionnaire_is_not_reminded_while_put_aside(instruments, client_user):
    for key in ("phq9", "gad7"):
        measure_skip(client=client_user, instrument=instruments[key], now=ENROLLED + DAY / 2)
    assert measure_reminders_enqueue_due(now=ENROLLED + DAY) == 0


def test_a_clinicians_request_is_reminded_at_once_even_before_the_baseline_reminder(
    instruments, client_user
):
    assert measure_reminders_enqueue_due(now=ENROLLED + DAY) == 1  # the baseline's
    asked = ENROLLED + 2 * DAY
    measure_request(client=client_user, by=UserFactory(role=Role.CLINICIAN), now=asked)
    assert measure_reminders_enqueue_due(now=asked) == 1
    assert measure_reminders_enqueue_due(now=asked + DAY) == 0
    assert Notification.objects.filter(kind=Kind.MEASURE_DUE).count() == 2
