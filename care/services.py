"""Writes to care records: care assignments, and the care team's progress notes."""

from datetime import date, datetime

from django.db import transaction

from accounts.models import User
from accounts.roles import Capability, is_client_role, role_can
from audit.models import Action
from audit.services import audit_record

from .models import CareAssignment, ProgressNote


@transaction.atomic
def care_assignment_create(*, clinician, client, acting_user) -> CareAssignment:
    """Assign a client to a clinician (idempotent while one is active); audited."""
    if not role_can(clinician.role, Capability.CASELOAD):
        raise ValueError("Only clinicians and supervisors hold a caseload.")
    if not is_client_role(client.role):
        raise ValueError("Only clients and partners can be assigned to a clinician.")
    assignment, created = CareAssignment.objects.get_or_create(
        clinician=clinician, client=client, is_active=True
    )
    if created:
        audit_record(
            action="care.assignment_created",
            actor=acting_user,
            subject=client,
            target=assignment,
        )
    return assignment


@transaction.atomic
def care_assignment_end(
    *, assignment: CareAssignment, acting_user, now: datetime
) -> CareAssignment:
    """End an active assignment at `now` (the clinician no longer follows the client); audited.
    Locks the row; ending an assignment that has already ended changes nothing. An ended
    assignment is history and is never reopened: assign the pair again instead."""
    locked = CareAssignment.objects.select_for_update().get(pk=assignment.pk)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.ended_at = now
    locked.save(update_fields=["is_active", "ended_at"])
    audit_record(
        action="care.assignment_ended",
        actor=acting_user,
        subject=locked.client,
        target=locked,
    )
    return locked


# --- Progress notes (S-6): a draft until its author signs it; a signed note never changes, and an
# amendment is a new draft linked to it. The audit trail records who did what to which note, never
# the note's text (U-1).

MAX_NOTE_TEXT = 20_000
SIGNED_NOTE = "A signed note is never changed. Amend it instead."


class NoteError(ValueError):
    """The note change is not allowed: a signed note, someone else's draft, or bad content."""


def _checked(*, author: User, note_date: date, kind: str, text: str, now: datetime) -> str:
    """The note's text, stripped, once its date, kind and text are acceptable."""
    if kind not in ProgressNote.Kind.values:
        raise NoteError("Choose a kind of note.")
    if not isinstance(note_date, date) or isinstance(note_date, datetime):
        raise NoteError("Give the note a date.")
    if note_date > author.local_date(now):
        raise NoteError("A note cannot be dated in the future.")
    text = (text or "").strip()
    if not text:
        raise NoteError("Write the note before saving it.")
    if len(text) > MAX_NOTE_TEXT:
        raise NoteError(f"Keep the note under {MAX_NOTE_TEXT:,} characters.")
    if "\x00" in text:
        raise NoteError("The note has a character that cannot be stored.")
    return text


def _own_draft(note: ProgressNote, *, author: User) -> ProgressNote:
    """Lock the note and check that it is `author`'s own draft."""
    locked = ProgressNote.objects.select_for_update().select_related("client").get(pk=note.pk)
    if locked.status == ProgressNote.Status.SIGNED:
        raise NoteError(SIGNED_NOTE)
    if locked.author_id != author.pk:
        raise NoteError("Only the author of a draft can change or sign it.")
    return locked


def _audit_note(action: str, note: ProgressNote, *, author: User) -> None:
    audit_record(
        action=action,
        actor=author,
        subject=note.client,
        target=note,
        metadata={"kind": note.kind, "amends": note.amends_id},
    )


@transaction.atomic
def note_create(
    *, client: User, author: User, note_date: date, kind: str, text: str, now: datetime
) -> ProgressNote:
    """Start a progress note about `client` as a draft by `author`; audited without its text.
    Raises NoteError for a missing or future date, an unknown kind, or an empty or oversized
    text. The caller has checked that `author` is on the client's care team."""
    text = _checked(author=author, note_date=note_date, kind=kind, text=text, now=now)
    note = ProgressNote.objects.create(
        client=client,
        author=author,
        note_date=note_date,
        kind=kind,
        text=text,
        created_at=now,
        updated_at=now,
    )
    _audit_note(Action.NOTE_CREATED, note, author=author)
    return note


@transaction.atomic
def note_update_draft(
    *, note: ProgressNote, author: User, note_date: date, kind: str, text: str, now: datetime
) -> ProgressNote:
    """Change the date, kind and text of `author`'s own draft; audited without its text. Locks
    the note; raises NoteError for a signed note, someone else's draft, or bad content."""
    locked = _own_draft(note, author=author)
    text = _checked(author=author, note_date=note_date, kind=kind, text=text, now=now)
    locked.note_date, locked.kind, locked.text, locked.updated_at = note_date, kind, text, now
    locked.save(update_fields=["note_date", "kind", "text", "updated_at"])
    _audit_note(Action.NOTE_UPDATED, locked, author=author)
    return locked


@transaction.atomic
def note_sign(*, note: ProgressNote, author: User, now: datetime) -> ProgressNote:
    """Sign `author`'s own draft at `now`: from then on it is never edited or deleted. Locks the
    note; raises NoteError for a note already signed or someone else's draft; audited."""
    locked = _own_draft(note, author=author)
    locked.status, locked.signed_at, locked.updated_at = ProgressNote.Status.SIGNED, now, now
    locked.save(update_fields=["status", "signed_at", "updated_at"])
    _audit_note(Action.NOTE_SIGNED, locked, author=author)
    return locked


@transaction.atomic
def note_amend(*, note: ProgressNote, author: User, now: datetime) -> ProgressNote:
    """Start an amendment of a signed note: a new draft by `author`, linked to it, beginning
    as a copy of its date, kind and text for the author to correct and sign. The signed note
    itself never changes. Raises NoteError for a note that is not signed yet; audited."""
    original = ProgressNote.objects.select_related("client").get(pk=note.pk)
    if original.status != ProgressNote.Status.SIGNED:
        raise NoteError("Only a signed note is amended. A draft can still be edited.")
    amendment = ProgressNote.objects.create(
        client=original.client,
        author=author,
        note_date=original.note_date,
        kind=original.kind,
        text=original.text,
        amends=original,
        created_at=now,
        updated_at=now,
    )
    _audit_note(Action.NOTE_AMENDED, amendment, author=author)
    return amendment
