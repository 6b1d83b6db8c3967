"""A lapse's chain analysis (daily.services.lapses) and who may open a lapse
(daily.permissions): every step answered or left, checked before anything is stored, the
client's to change for LAPSE_EDIT_DAYS, audited with ids and counts only, and never touching a
check-in or the days counted."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.http import Http404

from accounts.roles import Role
from audit.models import Action, AuditEvent, Outcome
from daily.models import CHAIN_STEP_MAX, BottomLines, Checkin, Lapse, Part
from daily.permissions import access_lapse
from daily.services.lapses import (
    LAPSE_EDIT_DAYS,
    LapseChainError,
    LapseError,
    lapse_can_edit,
    lapse_chain_save,
    lapse_record,
)
from tests.factories import UserFactory

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lapse(client_a):
    return lapse_record(client=client_a, day=DAY, now=NOW)


def _answers(**overrides):
    answers = {
        "situation": "  Home alone after a long shift.  ",
        "body": "Tight chest",
        "thought": "Nobody would know",
        "part": Part.TEENAGER,
        "stage": Lapse.Stage.ESCAPE,
        "needed": "Rest and someone to talk to",
        "next_time": "Text Sam before it builds",
    }
    return answers | overrides


def _stored(lapse):
    return Lapse.objects.values(
        "situation", "body", "thought", "part", "stage", "needed", "next_time", "completed_at"
    ).get(pk=lapse.pk)


def test_the_chain_is_stored_step_by_step_trimmed_and_audited_without_the_words(lapse):
    later = NOW + timedelta(hours=1)
    saved = lapse_chain_save(lapse=lapse, answers=_answers(), now=later, complete=True)
    assert saved.situation == "Home alone after a long shift."
    assert (saved.part, saved.stage) == ("teenager", "escape")
    assert saved.updated_at == later and saved.completed_at == later
    event = AuditEvent.objects.get(action="daily.lapse_chain_saved")
    assert (event.actor_id, event.subject_id) == (lapse.client_id, lapse.client_id)
    assert event.target_type == "daily.lapse" and event.target_id == str(lapse.pk)
    assert event.metadata == {"steps_answered": 7, "complete": True}
    assert "shift" not in str(event.metadata) and "Sam" not in str(event.metadata)


def test_steps_can_be_left_and_saving_for_later_does_not_finish_it(lapse):
    saved = lapse_chain_save(lapse=lapse, answers={"body": "Restless"}, now=NOW, complete=False)
    assert saved.completed_at is None
    assert _stored(lapse) | {"completed_at": None} == {
        "situation": "", "body": "Restless", "thought": "", "part": "", "stage": "",
        "needed": "", "next_time": "", "completed_at": None,
    }  # fmt: skip
    assert AuditEvent.objects.get(action="daily.lapse_chain_saved").metadata == {
        "steps_answered": 1,
        "complete": False,
    }


def test_the_first_finish_is_kept_and_a_later_save_changes_the_answers(lapse):
    lapse_chain_save(lapse=lapse, answers=_answers(), now=NOW, complete=True)
    later = NOW + timedelta(days=2)
    saved = lapse_chain_save(
        lapse=lapse, answers=_answers(part="", body="Numb"), now=later, complete=False
    )
    assert saved.completed_at == NOW and saved.updated_at == later
    assert _stored(lapse)["body"] == "Numb" and _stored(lapse)["part"] == ""


@pytest.mark.parametrize(
    ("answers", "step", "words"),
    [
        ({"situation": "x" * (CHAIN_STEP_MAX + 1)}, "situation", "the limit is 2,000"),
        ({"thought": "a\x00b"}, "thought", "cannot be stored"),
        ({"part": "inner_critic"}, "part", "Please choose one of the options"),
        ({"stage": "collapse"}, "stage", "Please choose one of the options"),
        ({"needed": ["rest"]}, "needed", "as text"),
    ],
)
def test_a_refused_step_is_named_and_nothing_is_stored(lapse, answers, step, words):
    lapse_chain_save(lapse=lapse, answers={"body": "Kept as it was"}, now=NOW, complete=False)
    before = _stored(lapse)
    with pytest.raises(LapseChainError) as refused:
        lapse_chain_save(lapse=lapse, answers=_answers(**answers), now=NOW, complete=True)
    assert list(refused.value.errors) == [step] and words in refused.value.errors[step]
    assert _stored(lapse) == before
    assert AuditEvent.objects.filter(action="daily.lapse_chain_saved").count() == 1


def test_every_refused_step_is_named_at_once(lapse):
    with pytest.raises(LapseChainError) as refused:
        lapse_chain_save(
            lapse=lapse,
            answers=_answers(body="x" * 2001, part="nobody", next_time="\x00"),
            now=NOW,
            complete=False,
        )
    assert set(refused.value.errors) == {"body", "part", "next_time"}


def test_exactly_the_longest_answer_is_accepted(lapse):
    saved = lapse_chain_save(
        lapse=lapse, answers={"needed": "y" * CHAIN_STEP_MAX}, now=NOW, complete=False
    )
    assert len(saved.needed) == CHAIN_STEP_MAX


def test_the_client_can_change_it_for_seven_days_then_it_stays_as_written(lapse):
    assert LAPSE_EDIT_DAYS == 7
    last_moment = lapse.created_at + timedelta(days=7) - timedelta(seconds=1)
    assert lapse_can_edit(lapse=lapse, now=last_moment)
    lapse_chain_save(lapse=lapse, answers=_answers(), now=last_moment, complete=True)
    too_late = lapse.created_at + timedelta(days=7)
    assert not lapse_can_edit(lapse=lapse, now=too_late)
    with pytest.raises(LapseChainError) as refused:
        lapse_chain_save(lapse=lapse, answers={"body": "changed"}, now=too_late, complete=True)
    assert "7 days" in refused.value.errors["__all__"]
    assert _stored(lapse)["body"] == "Tight chest"


def test_a_lapse_and_its_chain_never_touch_the_check_in_or_the_days_counted(client_a):
    checkin = Checkin.objects.create(
        client=client_a, day=DAY, bottom_lines=BottomLines.HELD, mood=6, urge=2,
        created_at=NOW - timedelta(hours=3), updated_at=NOW - timedelta(hours=3),
    )  # fmt: skip
    yesterday = Checkin.objects.create(
        client=client_a, day=DAY - timedelta(days=1), bottom_lines=BottomLines.HELD,
        created_at=NOW - timedelta(days=1), updated_at=NOW - timedelta(days=1),
    )  # fmt: skip
    rows_before = list(Checkin.objects.order_by("pk").values())
    lapse = lapse_record(client=client_a, day=DAY, now=NOW)
    lapse_chain_save(lapse=lapse, answers=_answers(), now=NOW, complete=True)
    lapse_chain_save(lapse=lapse, answers=_answers(body="Numb"), now=NOW, complete=False)
    assert list(Checkin.objects.order_by("pk").values()) == rows_before
    assert Checkin.objects.filter(bottom_lines=BottomLines.HELD).count() == 2
    assert lapse.checkin_id is None and {checkin.pk, yesterday.pk} == set(
        Checkin.objects.values_list("pk", flat=True)
    )


def test_only_a_client_records_a_lapse(clinician):
    with pytest.raises(LapseError):
        lapse_record(client=clinician, day=DAY, now=NOW)
    assert not Lapse.objects.exists()


# --- daily.permissions.access_lapse ------------------------------------------------------------


def test_a_client_opens_their_own_lapse_in_one_query(lapse, client_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = access_lapse(user=client_a, lapse_id=lapse.pk)
        assert found == lapse and found.client == client_a


@pytest.mark.parametrize("who", ["client_b", "clinician", "other_clinician", "admin_user"])
def test_anyone_else_gets_404_and_a_denied_audit_row(lapse, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(Http404):
        access_lapse(user=user, lapse_id=lapse.pk, for_write=True)
    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED, actor=user)
    assert denied.outcome == Outcome.DENIED
    assert (denied.target_type, denied.target_id) == ("daily.lapse", str(lapse.pk))
    assert denied.metadata == {"write": True}


@pytest.mark.parametrize("lapse_id", [999_999, "not-a-number"])
def test_a_missing_lapse_looks_like_someone_elses(client_a, lapse_id):
    with pytest.raises(Http404):
        access_lapse(user=client_a, lapse_id=lapse_id)
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=client_a).exists()


def test_a_lapse_of_another_client_is_never_found_by_id_alone(client_a):
    other = UserFactory(role=Role.CLIENT)
    theirs = lapse_record(client=other, day=DAY, now=NOW)
    with pytest.raises(Http404):
        access_lapse(user=client_a, lapse_id=theirs.pk)
