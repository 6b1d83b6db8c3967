"""The small logs (daily.services.logs): an urge, a body practice and a parts-journal entry,
each stored at `now` on the client's own local day (whatever the server's zone), checked before
anything is stored, and audited with ids and counts only."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from daily.models import PARTS_ENTRY_MAX, Part, PartsEntry, PracticeLog, UrgeLog
from daily.services.logs import LogError, parts_entry_add, practice_log, urge_log
from tests.factories import UserFactory

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
LA = "America/Los_Angeles"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def la_client(db):
    return UserFactory(role=Role.CLIENT, timezone=LA)


# 23:30 in Los Angeles is already the next day in UTC (and in Auckland); across both DST changes.
LATE_EVENINGS = [
    (datetime(2026, 11, 26, 7, 30, tzinfo=UTC), date(2026, 11, 25)),  # PST, UTC-8
    (datetime(2026, 11, 2, 7, 30, tzinfo=UTC), date(2026, 11, 1)),  # the night DST ended
    (datetime(2027, 3, 15, 6, 30, tzinfo=UTC), date(2027, 3, 14)),  # the day DST began
    (datetime(2026, 7, 4, 6, 30, tzinfo=UTC), date(2026, 7, 3)),  # PDT, UTC-7
]
SERVER_ZONES = ["UTC", "Pacific/Auckland", "America/New_York"]


def _each_log(client, now):
    return [
        urge_log(client=client, intensity=4, where="chest", did="breathed", now=now),
        practice_log(client=client, practice="grounding", suds_before=7, suds_after=4, now=now),
        parts_entry_add(client=client, parts=["witness"], text="Noticed it.", now=now),
    ]


@pytest.mark.parametrize("server_zone", SERVER_ZONES)
@pytest.mark.parametrize(("now", "local_day"), LATE_EVENINGS)
def test_a_log_at_2330_local_lands_on_the_clients_own_date_whatever_the_server_zone(
    la_client, settings, server_zone, now, local_day
):
    settings.TIME_ZONE = server_zone
    with timezone.override(server_zone), time_machine.travel(now, tick=False):
        logs = _each_log(la_client, timezone.now())
    for log in logs:
        log.refresh_from_db()
        assert log.day == local_day and log.at == now


def test_an_urge_is_stored_in_three_values_and_audited_by_id_only(client_a):
    log = urge_log(client=client_a, intensity=10, where="whole", did="acted", now=NOW)
    stored = UrgeLog.objects.get()
    assert (stored.intensity, stored.where, stored.did, stored.at) == (10, "whole", "acted", NOW)
    event = AuditEvent.objects.get(action="daily.urge_logged")
    assert (event.actor_id, event.subject_id, event.target_id) == (
        client_a.pk,
        client_a.pk,
        str(log.pk),
    )
    assert event.metadata == {}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"intensity": 11}, "intensity"),
        ({"intensity": -1}, "intensity"),
        ({"intensity": True}, "intensity"),
        ({"intensity": "7"}, "intensity"),
        ({"intensity": None}, "intensity"),
        ({"where": "heart"}, "where"),
        ({"where": ""}, "where"),
        ({"did": "nothing\x00"}, "did"),
        ({"did": None}, "did"),
    ],
)
def test_a_refused_urge_names_the_field_and_stores_nothing(client_a, values, field):
    with pytest.raises(LogError) as refused:
        urge_log(client=client_a, **({"intensity": 5, "where": "head", "did": "waited"} | values),
                 now=NOW)  # fmt: skip
    assert list(refused.value.errors) == [field]
    assert not UrgeLog.objects.exists() and not AuditEvent.objects.exists()


def test_the_ends_of_the_scale_are_accepted(client_a):
    for intensity in (0, 10):
        urge_log(client=client_a, intensity=intensity, where="not_sure", did="other", now=NOW)
    assert sorted(UrgeLog.objects.values_list("intensity", flat=True)) == [0, 10]


def test_a_practice_is_stored_with_suds_before_and_after(client_a):
    log = practice_log(client=client_a, practice="cold_water", suds_before=8, suds_after=3, now=NOW)
    assert PracticeLog.objects.get().pk == log.pk
    assert (log.practice, log.suds_before, log.suds_after) == ("cold_water", 8, 3)
    assert AuditEvent.objects.get(action="daily.practice_logged").target_id == str(log.pk)


def test_every_refused_practice_field_is_named_and_nothing_is_stored(client_a):
    with pytest.raises(LogError) as refused:
        practice_log(client=client_a, practice="yoga", suds_before=11, suds_after=-2, now=NOW)
    assert set(refused.value.errors) == {"practice", "suds_before", "suds_after"}
    assert "from 0 to 10" in refused.value.errors["suds_before"]
    assert not PracticeLog.objects.exists() and not AuditEvent.objects.exists()


def test_a_parts_entry_keeps_each_part_once_in_the_programs_order_and_audits_a_count(client_a):
    entry = parts_entry_add(
        client=client_a,
        parts=["witness", "inner_child", "witness"],
        text="  The little one was scared.\nThe Witness saw it.  ",
        now=NOW,
    )
    stored = PartsEntry.objects.get()
    assert stored.parts == ["inner_child", "witness"]
    assert stored.text == "The little one was scared.\nThe Witness saw it."
    event = AuditEvent.objects.get(action="daily.parts_entry_added")
    assert event.target_id == str(entry.pk) and event.metadata == {"parts": 2}


def test_the_longest_entry_is_accepted(client_a):
    entry = parts_entry_add(client=client_a, parts=[Part.LOVING_PARENT], text="z" * 10_000,
                            now=NOW)  # fmt: skip
    assert len(entry.text) == PARTS_ENTRY_MAX


@pytest.mark.parametrize(
    ("parts", "text", "fields", "words"),
    [
        ([], "Some words", {"parts"}, "at least one part"),
        (["inner_child", "shadow"], "Some words", {"parts"}, "from the list"),
        ("witness", "Some words", {"parts"}, "at least one part"),
        (["witness"], "x" * (PARTS_ENTRY_MAX + 1), {"text"}, "the limit is 10,000"),
        (["witness"], "a\x00b", {"text"}, "cannot be stored"),
        (["witness"], "   \n ", {"text"}, "a few words"),
        ([], "", {"parts", "text"}, ""),
    ],
)
def test_a_refused_entry_names_each_field_and_stores_nothing(client_a, parts, text, fields, words):
    with pytest.raises(LogError) as refused:
        parts_entry_add(client=client_a, parts=parts, text=text, now=NOW)
    assert set(refused.value.errors) == fields
    assert words in " ".join(refused.value.errors.values())
    assert not PartsEntry.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["clinician", "billing_user", "admin_user"])
def test_only_a_client_keeps_these_logs(who, request):
    user = request.getfixturevalue(who)
    for log in (
        lambda: urge_log(client=user, intensity=3, where="head", did="waited", now=NOW),
        lambda: practice_log(
            client=user, practice="breathing", suds_before=3, suds_after=2, now=NOW
        ),  # fmt: skip
        lambda: parts_entry_add(client=user, parts=["witness"], text="x", now=NOW),
    ):
        with pytest.raises(LogError):
            log()
    assert not (UrgeLog.objects.exists() or PracticeLog.objects.exists())
    assert not PartsEntry.objects.exists()
