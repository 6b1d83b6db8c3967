"""Progress notes (S-6): a draft until its author signs it, never changed once signed, an
amendment a new draft linked to the note it amends; only the client's care team ever reads
them (never the client, billing staff or administrators, the Django admin included); the audit
trail records every write without the text."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse

from audit.models import Action, AuditEvent
from care.models import NoteImmutableError, ProgressNote
from care.services import (
    NoteError,
    note_amend,
    note_create,
    note_sign,
    note_update_draft,
)
from tests.factories import CareAssignmentFactory, UserFactory

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
TODAY = date(2026, 11, 23)
CANARY = "CANARY-note-3e9a talked about the relapse plan"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def zones(client_a, clinician):
    """Fixed zones, whatever the process's: a note's date is its author's own day."""
    for user in (client_a, clinician):
        user.timezone = "America/New_York"
        user.save(update_fields=["timezone"])


@pytest.fixture
def colleague(db, client_a):
    """A second clinician on client A's care team."""
    user = UserFactory(role="clinician", preferred_name="Dr. Colleague")
    CareAssignmentFactory(clinician=user, client=client_a)
    return user


def new_note(client_a, author, *, text=CANARY, signed=False, note_date=TODAY):
    note = note_create(client=client_a, author=author, note_date=note_date, kind="session",
                       text=text, now=NOW)  # fmt: skip
    return note_sign(note=note, author=author, now=NOW) if signed else note


def record(client, client_a) -> str:
    response = client.get(reverse("care:client_detail", args=[client_a.pk]))
    assert response.status_code == 200
    return response.content.decode()


def note_url(name, client_a, note=None):
    args = [client_a.pk] if note is None else [client_a.pk, note.pk]
    return reverse(f"care:{name}", args=args)


FORM = {"note_date": "2026-11-23", "kind": "session", "text": CANARY}


# --- The lifecycle through the pages ----------------------------------------------------------


def test_a_note_is_written_as_a_draft_edited_then_signed_and_then_never_changes(
    client, client_a, clinician, signed_in
):
    signed_in(clinician)
    response = client.post(note_url("note_new", client_a), FORM)
    note = ProgressNote.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#note-{note.pk}")
    assert (note.status, note.author, note.text, note.kind) == (
        "draft",
        clinician,
        CANARY,
        "session",
    )
    assert "Draft saved." in client.get(response["Location"]).content.decode()

    edited = {**FORM, "text": "Rewritten, calmer.", "kind": "phone", "note_date": "2026-11-22"}
    assert client.post(note_url("note_edit", client_a, note), edited).status_code == 302
    note.refresh_from_db()
    assert (note.text, note.kind, note.note_date) == (
        "Rewritten, calmer.",
        "phone",
        date(2026, 11, 22),
    )

    assert client.post(note_url("note_sign", client_a, note)).status_code == 302
    note.refresh_from_db()
    assert (note.status, note.signed_at) == ("signed", NOW)

    # Signed: editing and signing again are refused with a message, and nothing changes.
    refused = client.post(note_url("note_edit", client_a, note), {**FORM, "text": "Sneaky change"})
    assert refused.status_code == 400
    assert "A signed note is never changed. Amend it instead." in refused.content.decode()
    half = client.post(note_url("note_edit", client_a, note), {"text": ""})
    assert "A signed note is never changed. Amend it instead." in half.content.decode()
    again = client.post(note_url("note_sign", client_a, note))
    assert again.status_code == 400
    note.refresh_from_db()
    assert (note.text, note.signed_at) == ("Rewritten, calmer.", NOW)
    assert list(AuditEvent.objects.filter(action__startswith="care.note").values_list(
        "action", flat=True).order_by("id")) == [
        Action.NOTE_CREATED, Action.NOTE_UPDATED, Action.NOTE_SIGNED,
    ]  # fmt: skip


def test_the_audit_trail_records_each_note_write_without_its_text(client_a, clinician):
    note = new_note(client_a, clinician, signed=True)
    note_amend(note=note, author=clinician, now=NOW)
    events = AuditEvent.objects.filter(action__startswith="care.note")
    assert events.count() == 3
    for event in events:
        assert (event.actor, event.subject) == (clinician, client_a)
        assert "CANARY" not in str(event.metadata) and "CANARY" not in event.target_id
    assert not AuditEvent.objects.filter(metadata__icontains="CANARY").exists()


def test_a_signed_note_refuses_every_change_at_the_model_and_the_service(client_a, clinician):
    note = new_note(client_a, clinician, signed=True)
    note.text = "changed"
    with pytest.raises(NoteImmutableError):
        note.save()
    with pytest.raises(NoteImmutableError):
        ProgressNote.objects.get(pk=note.pk).delete()
    with pytest.raises(NoteError, match="never changed"):
        note_update_draft(note=note, author=clinician, note_date=TODAY, kind="session",
                          text="changed", now=NOW)  # fmt: skip
    with pytest.raises(NoteError, match="never changed"):
        note_sign(note=note, author=clinician, now=NOW)
    assert ProgressNote.objects.get(pk=note.pk).text == CANARY


def test_a_draft_is_not_amended_and_a_draft_belongs_to_its_author(client_a, clinician, colleague):
    draft = new_note(client_a, clinician)
    with pytest.raises(NoteError, match="Only a signed note is amended"):
        note_amend(note=draft, author=clinician, now=NOW)
    with pytest.raises(NoteError, match="Only the author"):
        note_sign(note=draft, author=colleague, now=NOW)
    with pytest.raises(NoteError, match="Only the author"):
        note_update_draft(note=draft, author=colleague, note_date=TODAY, kind="session",
                          text="mine now", now=NOW)  # fmt: skip
    draft.refresh_from_db()
    assert (draft.status, draft.text) == ("draft", CANARY)


# --- Amendments ---------------------------------------------------------------------------------


def test_amending_makes_a_linked_draft_from_the_signed_text_and_chains(
    client, client_a, clinician, signed_in
):
    original = new_note(client_a, clinician, signed=True, note_date=date(2026, 11, 20))
    signed_in(clinician)
    response = client.post(note_url("note_amend", client_a, original))
    first = ProgressNote.objects.get(amends=original)
    assert response["Location"].endswith(f"#note-{first.pk}")
    assert (first.status, first.text, first.note_date, first.author) == (
        "draft", CANARY, date(2026, 11, 20), clinician,
    )  # fmt: skip
    correction = {**FORM, "note_date": "2026-11-20", "text": "Correction: the plan was revised."}
    client.post(note_url("note_edit", client_a, first), correction)
    client.post(note_url("note_sign", client_a, first))
    client.post(note_url("note_amend", client_a, first))
    second = ProgressNote.objects.get(amends=first)
    original.refresh_from_db()
    assert (original.status, original.text) == ("signed", CANARY)  # untouched

    page = record(client, client_a)
    notes = page[page.index('id="notes"') :]
    # The original first, its amendments under it in order, each linking back.
    assert notes.index(f'id="note-{original.pk}"') < notes.index(f'id="note-{first.pk}"')
    assert notes.index(f'id="note-{first.pk}"') < notes.index(f'id="note-{second.pk}"')
    assert notes.count('class="notes__amendments"') == 1
    assert f'href="#note-{original.pk}"' in notes and f'href="#note-{first.pk}"' in notes
    assert "Correction: the plan was revised." in notes


def test_the_notes_are_listed_newest_first_with_drafts_only_for_their_author(
    client, client_a, clinician, colleague, signed_in
):
    older = new_note(client_a, clinician, text="Older signed note", signed=True,
                     note_date=date(2026, 11, 9))  # fmt: skip
    newer = new_note(client_a, colleague, text="Newer signed note by a colleague", signed=True,
                     note_date=date(2026, 11, 16))  # fmt: skip
    mine = new_note(client_a, clinician, text="My own draft")
    theirs = new_note(client_a, colleague, text="The colleague's private draft")
    signed_in(clinician)
    notes = record(client, client_a)
    notes = notes[notes.index('id="notes"') :]
    assert notes.index(f'id="note-{mine.pk}"') < notes.index(f'id="note-{newer.pk}"')
    assert notes.index(f'id="note-{newer.pk}"') < notes.index(f'id="note-{older.pk}"')
    assert "The colleague&#x27;s private draft" not in notes and f"note-{theirs.pk}" not in notes
    assert "Dr. Colleague" in notes
    # Only one's own draft has an edit form and a sign button.
    assert notes.count("Sign this note") == 1 and notes.count("Amend this note") == 2


def test_another_member_of_the_care_team_cannot_reach_a_draft_and_cannot_change_a_signed_note(
    client, client_a, clinician, colleague, signed_in
):
    draft = new_note(client_a, clinician)
    signed = new_note(client_a, clinician, text="Signed by the first clinician", signed=True)
    signed_in(colleague)
    for name in ("note_edit", "note_sign", "note_amend"):
        assert client.post(note_url(name, client_a, draft), FORM).status_code == 404
    refused = client.post(note_url("note_edit", client_a, signed), {**FORM, "text": "x"})
    assert refused.status_code == 400
    # A colleague may amend a signed note: the amendment is theirs, linked to it.
    assert client.post(note_url("note_amend", client_a, signed)).status_code == 302
    assert ProgressNote.objects.get(amends=signed).author == colleague
    draft.refresh_from_db()
    signed.refresh_from_db()
    assert (draft.status, draft.text, signed.text) == (
        "draft",
        CANARY,
        "Signed by the first clinician",
    )


# --- Refused input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**FORM, "text": ""}, "Write the note before saving it."),
        ({**FORM, "text": "   "}, "Write the note before saving it."),
        ({**FORM, "text": "x" * 20_001}, "Keep the note under 20,000 characters."),
        ({**FORM, "text": "a\x00b"}, "The text has a character that cannot be stored."),
        ({**FORM, "kind": "gossip"}, "Choose a kind of note from the list."),
        ({**FORM, "kind": ""}, "Choose a kind of note."),
        ({**FORM, "note_date": "2026-11-24"}, "A note cannot be dated in the future."),
        ({**FORM, "note_date": "23/11/2026x"}, "Enter a date."),
        ({**FORM, "note_date": ""}, "Give the note a date."),
        ({}, "Write the note before saving it."),
    ],
)
def test_a_refused_note_comes_back_with_its_message_and_nothing_is_stored(
    client, client_a, clinician, signed_in, data, message
):
    draft = new_note(client_a, clinician, text="Kept as it was")
    signed_in(clinician)
    before = AuditEvent.objects.filter(action__startswith="care.note").count()
    for url in (note_url("note_new", client_a), note_url("note_edit", client_a, draft)):
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert message in response.content.decode(), url
    assert ProgressNote.objects.count() == 1
    draft.refresh_from_db()
    assert (draft.text, draft.note_date, draft.kind) == ("Kept as it was", TODAY, "session")
    assert AuditEvent.objects.filter(action__startswith="care.note").count() == before


def test_the_date_of_a_note_is_the_authors_own_day(client, client_a, clinician, signed_in):
    """At 12:00 UTC it is already the 24th in Auckland: a clinician there may date a note
    today."""
    clinician.timezone = "Pacific/Auckland"
    clinician.save(update_fields=["timezone"])
    signed_in(clinician)
    response = client.post(note_url("note_new", client_a), {**FORM, "note_date": "2026-11-24"})
    assert response.status_code == 302
    assert ProgressNote.objects.get().note_date == date(2026, 11, 24)


# --- Who never sees a note ----------------------------------------------------------------------


def test_outsiders_get_404_on_every_notes_address_and_nothing_changes(
    client, client_a, clinician, client_b, other_clinician, billing_user, admin_user, signed_in
):
    draft = new_note(client_a, clinician)
    signed = new_note(client_a, clinician, signed=True)
    urls = [note_url("note_new", client_a)] + [
        note_url(name, client_a, note)
        for note in (draft, signed)
        for name in ("note_edit", "note_sign", "note_amend")
    ]
    for user in (client_a, client_b, other_clinician, billing_user, admin_user):
        client.logout()
        signed_in(user)
        for url in urls:
            assert client.post(url, FORM).status_code == 404, (user.role, url)
            assert client.get(url).status_code == 404, (user.role, url)
        for url in (reverse("care:client_detail", args=[client_a.pk]),):
            assert client.get(url).status_code == 404
    assert ProgressNote.objects.count() == 2
    draft.refresh_from_db()
    assert (draft.status, draft.text) == ("draft", CANARY)


def test_a_note_of_another_client_is_404_through_this_clients_address(
    client, client_a, client_b, clinician, signed_in
):
    CareAssignmentFactory(clinician=clinician, client=client_b)
    theirs = new_note(client_b, clinician, signed=True)
    signed_in(clinician)
    assert client.post(note_url("note_amend", client_a, theirs)).status_code == 404
    assert client.post(note_url("note_sign", client_a, theirs)).status_code == 404
    assert not ProgressNote.objects.filter(amends=theirs).exists()


def test_the_client_never_sees_a_note_on_their_own_pages(client, client_a, clinician, signed_in):
    new_note(client_a, clinician, signed=True)
    signed_in(client_a)
    for name in ("courses:dashboard", "courses:program_map", "courses:my_work", "accounts:profile"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "CANARY" not in response.content.decode()


def test_the_django_admin_has_no_progress_note_page(client, superuser, client_a, clinician,
                                                    signed_in):  # fmt: skip
    note = new_note(client_a, clinician, signed=True)
    assert not admin.site.is_registered(ProgressNote)
    signed_in(superuser)
    for path in ("/admin/care/progressnote/", f"/admin/care/progressnote/{note.pk}/change/"):
        assert client.get(path).status_code == 404
    assert "progressnote" not in client.get(reverse("admin:index")).content.decode().lower()
    assert "CANARY" not in client.get(reverse("admin:app_list", args=["care"])).content.decode()


# --- Query budget -------------------------------------------------------------------------------


def _record_queries(client, client_a) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record(client, client_a)  # warm
    with CaptureQueriesContext(connection) as ctx:
        record(client, client_a)
    return len(ctx.captured_queries)


def test_the_record_page_is_flat_however_many_notes(
    client, client_a, clinician, colleague, signed_in, django_assert_max_num_queries
):
    signed_in(clinician)
    new_note(client_a, clinician, signed=True)
    new_note(client_a, clinician)
    few = _record_queries(client, client_a)
    for n in range(12):
        signed = new_note(client_a, clinician if n % 2 else colleague, signed=True,
                          text=f"Note {n}", note_date=date(2026, 10, 1 + n))  # fmt: skip
        amendment = note_amend(note=signed, author=clinician, now=NOW)
        if n % 3 == 0:
            note_sign(note=amendment, author=clinician, now=NOW)
    many = _record_queries(client, client_a)
    assert few == many, (few, many)
    with django_assert_max_num_queries(20):
        record(client, client_a)
