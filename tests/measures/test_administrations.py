"""Storing a client's answers (measures.services.administration_submit): scored, compared with
their baseline, audited without the answers, announced when a risk item is answered above 0,
and nothing stored when the answers do not fit."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.roles import Role
from audit.models import Action, AuditEvent
from core.events import subscribe, unsubscribe
from measures.events import RiskAnswered
from measures.instruments import AnswersError
from measures.models import Administration
from measures.services import administration_submit
from tests.factories import UserFactory

NOW = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    events: list[RiskAnswered] = []
    subscribe(RiskAnswered, events.append)
    yield events
    unsubscribe(RiskAnswered, events.append)


def phq9(total_of_first_eight: int, item9: int = 0) -> dict[int, int]:
    answers, left = {}, total_of_first_eight
    for number in range(1, 9):
        answers[number] = min(3, left)
        left -= answers[number]
    return answers | {9: item9}


def test_the_first_answers_are_the_baseline_and_later_ones_are_compared_with_it(instruments):
    client = UserFactory(role=Role.CLIENT)
    first = administration_submit(
        client=client, instrument=instruments["phq9"], answers=phq9(18), now=NOW
    )
    assert (first.total, first.band, first.baseline, first.change) == (
        18,
        "moderately_severe",
        None,
        None,
    )
    assert first.reliable_change == ""
    later = administration_submit(
        client=client,
        instrument=instruments["phq9"],
        answers=phq9(12),
        now=NOW + timedelta(days=14),
    )
    assert (later.baseline, later.change, later.band) == (first, -6, "moderate")
    assert (later.reliable_change_index, later.reliable_change) == (Decimal("-3.63"), "improved")
    third = administration_submit(
        client=client,
        instrument=instruments["phq9"],
        answers=phq9(20),
        now=NOW + timedelta(days=28),
    )
    assert (third.baseline, third.change, third.reliable_change) == (first, 2, "none")
    # Another instrument has its own baseline.
    gad = administration_submit(
        client=client,
        instrument=instruments["gad7"],
        answers=dict.fromkeys(range(1, 8), 2),
        now=NOW,
    )
    assert (gad.total, gad.band, gad.baseline) == (14, "moderate", None)
    assert first.content_token == instruments["phq9"].content_token
    assert first.answers == {str(n): v for n, v in phq9(18).items()}
    assert first.submitted_at == NOW


def test_the_audit_row_names_the_instrument_never_the_answers(instruments):
    client = UserFactory(role=Role.CLIENT)
    done = administration_submit(
        client=client, instrument=instruments["phq9"], answers=phq9(5, item9=2), now=NOW
    )
    row = AuditEvent.objects.get(action=Action.MEASURE_SUBMITTED)
    assert (row.actor, row.subject, row.target_id) == (client, client, str(done.pk))
    assert row.metadata == {"instrument": "phq9"}


def test_item_nine_above_zero_is_announced_in_the_same_transaction(instruments, heard):
    client = UserFactory(role=Role.CLIENT)
    quiet = administration_submit(
        client=client, instrument=instruments["phq9"], answers=phq9(20), now=NOW
    )
    assert heard == [] and not quiet.risk_answered
    risky = administration_submit(
        client=client, instrument=instruments["phq9"], answers=phq9(0, item9=1), now=NOW
    )
    assert risky.risk_answered
    assert heard == [
        RiskAnswered(
            administration_id=risky.pk,
            client_id=client.pk,
            instrument_key="phq9",
            items=(9,),
            at=NOW,
        )
    ]


def test_a_handler_that_fails_takes_the_answers_back_with_it(instruments):
    client = UserFactory(role=Role.CLIENT)

    def refuse(event):
        raise RuntimeError("the flag could not be raised")

    subscribe(RiskAnswered, refuse)
    try:
        with pytest.raises(RuntimeError):
            administration_submit(
                client=client, instrument=instruments["phq9"], answers=phq9(3, 1), now=NOW
            )
    finally:
        unsubscribe(RiskAnswered, refuse)
    assert not Administration.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.MEASURE_SUBMITTED).exists()


def test_answers_that_do_not_fit_store_nothing(instruments):
    client = UserFactory(role=Role.CLIENT)
    answers = phq9(9)
    del answers[4]
    with pytest.raises(AnswersError) as refused:
        administration_submit(
            client=client, instrument=instruments["phq9"], answers=answers, now=NOW
        )
    assert refused.value.errors == ["Question 4 needs an answer."]
    assert not Administration.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.MEASURE_SUBMITTED).exists()
