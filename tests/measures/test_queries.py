"""Measures' hand-written read (measures/queries.py) against its ORM twin: each client's newest
answer to each instrument, the same rows on SQLite and PostgreSQL (decision 0007), ties in time
broken by id."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from accounts.roles import Role
from measures.instruments import instruments_load, read_instruments
from measures.models import Administration, Instrument
from measures.queries import LatestAnswer, latest_answers
from measures.services import administration_submit
from tests.factories import UserFactory

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def orm_twin(client_ids: list[int]) -> list[LatestAnswer]:
    newest = (
        Administration.objects.filter(client_id__in=client_ids)
        .annotate(
            nth=Window(
                RowNumber(),
                partition_by=[F("client_id"), F("instrument_id")],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            )
        )
        .filter(nth=1)
        .select_related("instrument")
    )
    return sorted(
        (
            LatestAnswer(
                a.client_id,
                a.instrument_id,
                a.instrument.key,
                a.instrument.short_title,
                a.instrument.content_token,
                a.total,
                a.reliable_change,
            )  # fmt: skip
            for a in newest
        ),
        key=lambda row: (row.client_id, row.key),
    )


def test_the_newest_answer_per_client_and_instrument_as_the_orm_finds_it():
    instruments_load(read_instruments())
    phq9, gad7 = Instrument.objects.get(key="phq9"), Instrument.objects.get(key="gad7")
    people = [UserFactory(role=Role.CLIENT) for _ in range(4)]
    outsider = UserFactory(role=Role.CLIENT)
    for n, person in enumerate([*people, outsider]):
        for days, value in ((30, 0), (16, 1), (2, min(3, n))):
            administration_submit(
                client=person, instrument=phq9, answers={i: value for i in range(1, 9)} | {9: 0},
                now=NOW - timedelta(days=days),
            )  # fmt: skip
        if n % 2:
            for value in (2, 0):  # two at the same moment: the later id is the newer
                administration_submit(
                    client=person, instrument=gad7, answers={i: value for i in range(1, 8)},
                    now=NOW,
                )  # fmt: skip
    ids = [p.pk for p in people]
    found = latest_answers(client_ids=ids)
    assert found == orm_twin(ids)
    assert len(found) == 6 and outsider.pk not in {row.client_id for row in found}
    assert [row.total for row in found if row.key == "gad7"] == [0, 0]
    assert [(row.key, row.total) for row in found if row.client_id == people[3].pk] == [
        ("gad7", 0),
        ("phq9", 24),
    ]
    assert latest_answers(client_ids=[]) == []
