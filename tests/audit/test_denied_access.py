"""8d: refused accesses are counted per person (or address) and minute in one row, so a scan
cannot fill the append-only trail; everything else is still one row per event, never changed."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.urls import reverse

from audit.access import deny
from audit.models import Action, AuditEvent, AuditImmutableError, Outcome
from audit.services import audit_record
from core.request_context import bind_request, unbind_request
from tests.conftest import run_at_once

MINUTE = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _denied(**filters):
    return AuditEvent.objects.filter(action=Action.ACCESS_DENIED, **filters)


def _refuse(user, *, at, target_id="7"):
    """A gate's refusal (audit.access.deny, which every access_* gate calls) at instant `at`."""
    with time_machine.travel(at, tick=False), pytest.raises(Http404):
        deny(user=user, target_type="care.client", target_id=target_id)


def test_a_hundred_refusals_by_one_person_in_a_minute_are_one_row_counting_a_hundred(
    client, client_a, other_clinician, signed_in
):
    record = reverse("care:client_detail", args=[client_a.pk])
    with time_machine.travel(MINUTE, tick=False) as clock:
        signed_in(other_clinician)
        for _ in range(100):
            clock.shift(0.5)  # spread over 50 seconds of the same minute
            assert client.get(record).status_code == 404

    row = _denied().get()
    assert row.count == 100
    assert row.actor == other_clinician
    assert row.outcome == Outcome.DENIED
    assert row.window_start == MINUTE
    assert row.occurred_at == MINUTE + timedelta(seconds=0.5)  # the first refusal's details
    assert row.target_id == str(client_a.pk)
    assert row.request_id and row.ip_address == "127.0.0.1"


def test_the_next_minute_starts_a_new_row(client_a):
    for second in (0, 30, 59.999):
        _refuse(client_a, at=MINUTE + timedelta(seconds=second))
    for second in (60, 61):
        _refuse(client_a, at=MINUTE + timedelta(seconds=second))

    rows = _denied(actor=client_a).order_by("window_start")
    assert [(r.window_start, r.count) for r in rows] == [
        (MINUTE, 3),
        (MINUTE + timedelta(minutes=1), 2),
    ]


def test_a_minute_is_counted_in_utc_whatever_zone_the_instant_comes_in(client_a):
    from zoneinfo import ZoneInfo

    from audit.services import audit_denied_access

    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+05:45
    for second in (0, 59):
        instant = (MINUTE + timedelta(seconds=second)).astimezone(kathmandu)
        audit_denied_access(actor=client_a, target_type="care.client", now=instant)
    assert _denied(actor=client_a).get().count == 2


def test_two_people_refused_in_the_same_minute_get_a_row_each(client_a, client_b):
    for _ in range(3):
        _refuse(client_a, at=MINUTE + timedelta(seconds=1))
    _refuse(client_b, at=MINUTE + timedelta(seconds=2))

    assert _denied(actor=client_a).get().count == 3
    assert _denied(actor=client_b).get().count == 1


def test_anonymous_refusals_are_counted_per_client_address(db):
    from django.contrib.auth.models import AnonymousUser

    try:
        for address, times in (("203.0.113.5", 3), ("198.51.100.6", 1)):
            bind_request("req-anonymous-1", address)
            for _ in range(times):
                _refuse(AnonymousUser(), at=MINUTE + timedelta(seconds=5))
    finally:
        unbind_request()

    counts = dict(_denied(actor__isnull=True).values_list("ip_address", "count"))
    assert counts == {"203.0.113.5": 3, "198.51.100.6": 1}


def test_a_refusal_outside_any_request_is_a_row_of_its_own(db):
    # No person and no address to count by (a shell, a task): nothing is merged.
    _refuse(None, at=MINUTE)
    _refuse(None, at=MINUTE)
    assert [r.count for r in _denied()] == [1, 1]
    assert not _denied(window_start__isnull=False).exists()


def test_allowed_accesses_are_still_recorded_one_by_one(client, clinician, client_a, signed_in):
    record = reverse("care:client_detail", args=[client_a.pk])
    with time_machine.travel(MINUTE, tick=False):
        signed_in(clinician)
        for _ in range(3):
            assert client.get(record).status_code == 200

    viewed = AuditEvent.objects.filter(action=Action.RECORD_VIEWED, actor=clinician)
    assert [(r.count, r.window_start) for r in viewed] == [(1, None)] * 3


def test_only_a_counted_denial_can_take_one_more_and_nothing_else_changes(client_a):
    ordinary = audit_record(action=Action.LOGIN, actor=client_a, subject=client_a)
    _refuse(client_a, at=MINUTE)

    assert AuditEvent.objects.filter(pk=ordinary.pk).count_one_more_denial() == 0
    assert AuditEvent.objects.get(pk=ordinary.pk).count == 1

    counted = _denied().get()
    counted.count = 50
    with pytest.raises(AuditImmutableError):
        counted.save()
    with pytest.raises(AuditImmutableError):
        _denied().update(count=50)
    with pytest.raises(AuditImmutableError):
        counted.delete()
    assert _denied().get().count == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refusals_at_the_same_moment_are_counted_on_one_row(client_a):
    from audit.services import audit_denied_access

    errors = run_at_once(
        lambda: audit_denied_access(actor=client_a, target_type="care.client", now=MINUTE),
        times=4,
    )
    assert not errors
    assert _denied(actor=client_a).get().count == 4


# --- PostgreSQL: the trigger allows one more on a counted denial, and nothing else --------------


def _raw(sql, pk):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [pk])


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET count = count + 1 WHERE id = %s",
        "UPDATE audit_auditevent SET action = 'tampered' WHERE id = %s",
        "UPDATE audit_auditevent SET window_start = now(), count = count + 1 WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_postgresql_still_refuses_any_change_to_an_ordinary_audit_row(client_a, sql):
    ordinary = audit_record(action=Action.LOGIN, actor=client_a, subject=client_a)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, ordinary.pk)
    again = AuditEvent.objects.get(pk=ordinary.pk)
    assert (again.action, again.count, again.window_start) == (Action.LOGIN, 1, None)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET count = count - 1 WHERE id = %s",
        "UPDATE audit_auditevent SET count = count + 2 WHERE id = %s",
        "UPDATE audit_auditevent SET count = count + 1, target_id = 'other' WHERE id = %s",
        "UPDATE audit_auditevent SET count = count + 1, actor_id = NULL WHERE id = %s",
        "UPDATE audit_auditevent SET count = count + 1, occurred_at = now() WHERE id = %s",
        """UPDATE audit_auditevent SET count = count + 1, metadata = '{"write": true}' """
        "WHERE id = %s",
        "UPDATE audit_auditevent SET window_start = window_start + interval '1 minute' "
        "WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_any_other_change_to_a_counted_denial(client_a, sql):
    _refuse(client_a, at=MINUTE)
    _refuse(client_a, at=MINUTE + timedelta(seconds=1))
    row = _denied().get()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, row.pk)
    again = _denied().get()
    assert (again.count, again.target_id, again.window_start) == (2, "7", MINUTE)
    assert again.occurred_at == row.occurred_at and again.metadata == row.metadata


@pytest.mark.postgres
def test_postgresql_lets_a_counted_denial_take_exactly_one_more(client_a):
    _refuse(client_a, at=MINUTE)
    row = _denied().get()
    _raw("UPDATE audit_auditevent SET count = count + 1 WHERE id = %s", row.pk)
    assert _denied().get().count == 2
