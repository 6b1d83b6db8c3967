"""The record's notes section. Notes: the clinician's own progress notes, draft then signed."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, QuerySet

from accounts.models import User
from courses.models import Enrollment

from ..forms import NoteForm
from ..models import ProgressNote
from ..queries.record import visible_notes


def notes_visible_to(*, user: User, client: User) -> QuerySet[ProgressNote]:
    """The notes about `client` that `user`, a member of the client's care team, may read:
    every signed note, and their own drafts (a draft is its author's until signed). The
    queryset twin of care.permissions.access_note; nobody else reaches a note at all (S-6)."""
    return ProgressNote.objects.filter(client=client).filter(
        Q(status=ProgressNote.Status.SIGNED) | Q(author=user)
    )


@dataclass
class NoteEntry:
    """A note as the section shows it, with what the viewer may do to it."""

    note: ProgressNote
    editable: bool  # the viewer's own draft: edit and sign
    form: NoteForm | None = None  # the edit form of an editable draft
    amendments: list["NoteEntry"] = field(default_factory=list)


def _entries(notes: list[ProgressNote], *, viewer: User, today: date) -> list[NoteEntry]:
    """Original notes newest first, each with every amendment of it (and of its amendments, an
    amendment being amendable in turn) under it, oldest first: no query."""
    entries = {}
    for note in notes:
        editable = note.status == ProgressNote.Status.DRAFT and note.author_id == viewer.pk
        form = None
        if editable:
            form = NoteForm(
                initial={"note_date": note.note_date, "kind": note.kind, "text": note.text},
                today=today,
                auto_id=f"note-{note.pk}-%s",
            )
        entries[note.pk] = NoteEntry(note=note, editable=editable, form=form)

    def root(note: ProgressNote) -> int:
        seen = set()
        while note.amends_id is not None and note.amends_id in entries and note.pk not in seen:
            seen.add(note.pk)
            note = entries[note.amends_id].note
        return note.pk

    top: list[NoteEntry] = []
    for note in notes:  # newest first
        origin = root(note)
        if origin == note.pk:
            top.append(entries[note.pk])
    for note in sorted(notes, key=lambda n: (n.created_at, n.pk)):
        origin = root(note)
        if origin != note.pk:
            entries[origin].amendments.append(entries[note.pk])
    return top


def notes_section(
    *,
    client: User,
    enrollment: Enrollment | None,
    viewer: User,
    now: datetime,
    new_form: NoteForm | None = None,
    bound: tuple[int, NoteForm] | None = None,
) -> dict[str, object]:
    """The context of templates/care/record/notes.html: the notes the viewer may read, newest
    first, amendments under the note they amend, an edit form for each of the viewer's own
    drafts, and a form for a new note (1 query, however many notes: hand-written,
    care/queries/record.py). `new_form` and `bound`
    (a draft's id and its refused form) bring back a refused form with its errors."""
    today = viewer.local_date(now)
    notes = visible_notes(client_id=client.pk, viewer_id=viewer.pk)
    entries = _entries(notes, viewer=viewer, today=today)
    if bound is not None:
        for entry in [e for top in entries for e in (top, *top.amendments)]:
            if entry.note.pk == bound[0]:
                entry.form = bound[1]
    return {
        "entries": entries,
        "new_form": new_form
        or NoteForm(initial={"note_date": today}, today=today, auto_id="note-new-%s"),
    }
