"""The export builder (records/export.py): everything the client wrote is in it, nothing of anyone
else's, not the care team's own notes; the document is valid JSON with a schema version; and its
queries stay the same for no history and for 180 days of it."""

import json

import pytest

from care.models import ProgressNote
from records.export import SCHEMA_VERSION, SECTIONS, export_build
from tests.records.history import NOW, write_history

CANARY_A = "canary-ALEX-7f3e"
CANARY_B = "canary-BLAKE-19c2"


@pytest.fixture
def histories(client_a, client_b, clinician, instruments):
    write_history(client=client_a, days=30, canary=CANARY_A, replier=clinician)
    write_history(client=client_b, days=30, canary=CANARY_B, replier=clinician)
    ProgressNote.objects.create(
        client=client_a, author=clinician, note_date=NOW.date(), kind="session",
        text="note-canary-CLINICIAN", status="signed", signed_at=NOW,
    )  # fmt: skip


def _text(document) -> str:
    return json.dumps(document, ensure_ascii=False)


def test_the_export_holds_what_the_client_wrote_in_every_place_they_wrote_it(histories, client_a):
    document = export_build(client=client_a, now=NOW)
    assert CANARY_A in document["worksheets"][0]["answers"]["one-word"]
    assert CANARY_A in document["checkins"][0]["helped"]
    assert CANARY_A in document["parts_journal"][0]["text"]
    assert CANARY_A in document["safety_plan_versions"][0]["reasons"]
    assert CANARY_A in document["dsap_versions"][0]["bottom_lines"]
    assert CANARY_A in document["lapses"][0]["chain_analysis"]["situation"]
    assert len(document["checkins"]) == 30
    assert document["measures"], "the questionnaires answered are in it"
    assert document["payments"][0]["amount"] == "150.00"
    assert document["messages"][0]["status"] == "Sent"


def test_the_export_holds_nothing_of_another_client(histories, client_a, client_b):
    text = _text(export_build(client=client_a, now=NOW))
    assert CANARY_B not in text
    assert client_b.email not in text
    assert client_b.preferred_name not in text


def test_the_care_teams_replies_are_in_it_but_not_their_notes_or_names(
    histories, client_a, clinician
):
    document = export_build(client=client_a, now=NOW)
    text = _text(document)
    replies = [r for w in document["worksheets"] for r in w["replies"]]
    assert replies and all(r["from"] == "Your care team" for r in replies)
    assert f"reply-{CANARY_A}" in text
    assert "note-canary-CLINICIAN" not in text
    assert clinician.preferred_name not in text
    assert clinician.email not in text
    assert "ask your clinician for a copy" in document["not_included"]


def test_the_export_never_holds_message_tokens_or_card_details(histories, client_a):
    from notifications.models import Notification

    text = _text(export_build(client=client_a, now=NOW))
    token = Notification.objects.filter(user=client_a).first().link_token
    assert token not in text
    assert "stripe" not in text.lower()


def test_the_export_is_valid_json_with_a_schema_version_and_every_section(histories, client_a):
    document = export_build(client=client_a, now=NOW)
    again = json.loads(json.dumps(document))
    assert again == document
    assert again["schema_version"] == SCHEMA_VERSION == 1
    assert set(key for key, _ in SECTIONS) <= set(again)
    assert again["prepared_at"].startswith("2026-11-25T")
    assert again["profile"]["email"] == client_a.email


def test_an_empty_history_makes_an_export_with_empty_sections(client_a):
    document = export_build(client=client_a, now=NOW)
    assert document["checkins"] == [] and document["worksheets"] == []
    assert document["profile"]["preferred_name"] == client_a.preferred_name


BUDGET = 16  # one query per section, and one for the replies to the worksheets


@pytest.mark.parametrize("days", [0, 180])
def test_the_export_makes_the_same_number_of_queries_for_no_history_and_180_days(
    client_a, clinician, instruments, django_assert_num_queries, days
):
    write_history(client=client_a, days=days, canary=CANARY_A, replier=clinician)
    with django_assert_num_queries(BUDGET):
        document = export_build(client=client_a, now=NOW)
    assert len(document["checkins"]) == days
