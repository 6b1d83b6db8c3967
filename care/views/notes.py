"""Progress notes from a client's record: write a draft, edit your own draft, sign it, amend a
signed note. Only the client's care team reaches these (S-6: never the client, billing staff or
administrators): the client's gate first, then the note's. A refused form comes back on the
record page with its messages and nothing stored (B-1); a done action redirects to the note."""

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability

from ..forms import NoteForm
from ..models import ProgressNote
from ..permissions import access_client, access_note
from ..selectors.record import record_context
from ..selectors.record_notes import notes_section
from ..services import (
    SIGNED_NOTE,
    NoteError,
    note_amend,
    note_create,
    note_sign,
    note_update_draft,
)


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


def _to_note(client: User, note: ProgressNote) -> HttpResponse:
    return redirect(reverse("care:client_detail", args=[client.pk]) + f"#note-{note.pk}")


def _refused(
    request: SignedInRequest,
    client: User,
    *,
    now: datetime,
    new_form: NoteForm | None = None,
    bound: tuple[int, NoteForm] | None = None,
    error: str = "",
) -> HttpResponse:
    """The record page again, with the refused form and its errors in the notes section."""
    context = record_context(client=client, viewer=request.user, now=now)
    section = notes_section(
        client=client,
        enrollment=context["enrollment"],  # type: ignore[arg-type]  # record_context's own
        viewer=request.user,
        now=now,
        new_form=new_form,
        bound=bound,
    )
    section["error"] = error
    context["notes"] = section
    return render(request, "care/record.html", context, status=400)


@capability_required(Capability.CASELOAD)
def note_new(request: SignedInRequest, client_id: int) -> HttpResponse:
    """Start a progress note as a draft."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    now = timezone.now()
    form = NoteForm(request.POST, today=request.user.local_date(now), auto_id="note-new-%s")
    if not form.is_valid():
        return _refused(request, client, now=now, new_form=form)
    try:
        note = note_create(client=client, author=request.user, now=now, **form.cleaned_data)
    except NoteError as exc:
        form.add_error(None, str(exc))
        return _refused(request, client, now=now, new_form=form)
    messages.success(request, "Draft saved. Sign it when it is ready.")
    return _to_note(client, note)


@capability_required(Capability.CASELOAD)
def note_edit(request: SignedInRequest, client_id: int, note_id: int) -> HttpResponse:
    """Save changes to your own draft."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    note = access_note(user=request.user, client=client, note_id=note_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    now = timezone.now()
    if note.status == ProgressNote.Status.SIGNED:
        # Said before the form's own errors: no form could change it (the service refuses too).
        return _refused(request, client, now=now, error=SIGNED_NOTE)
    form = NoteForm(request.POST, today=request.user.local_date(now), auto_id=f"note-{note.pk}-%s")
    if not form.is_valid():
        return _refused(request, client, now=now, bound=(note.pk, form))
    try:
        note_update_draft(note=note, author=request.user, now=now, **form.cleaned_data)
    except NoteError as exc:
        return _refused(request, client, now=now, error=str(exc))
    messages.success(request, "Draft saved.")
    return _to_note(client, note)


@capability_required(Capability.CASELOAD)
def note_sign_view(request: SignedInRequest, client_id: int, note_id: int) -> HttpResponse:
    """Sign your own draft: from then on it never changes."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    note = access_note(user=request.user, client=client, note_id=note_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    now = timezone.now()
    try:
        note_sign(note=note, author=request.user, now=now)
    except NoteError as exc:
        return _refused(request, client, now=now, error=str(exc))
    messages.success(request, "Note signed. It is kept as it is; amend it if it needs a change.")
    return _to_note(client, note)


@capability_required(Capability.CASELOAD)
def note_amend_view(request: SignedInRequest, client_id: int, note_id: int) -> HttpResponse:
    """Start an amendment of a signed note: a new draft linked to it, to correct and sign."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    note = access_note(user=request.user, client=client, note_id=note_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    now = timezone.now()
    try:
        amendment = note_amend(note=note, author=request.user, now=now)
    except NoteError as exc:
        return _refused(request, client, now=now, error=str(exc))
    messages.success(
        request, "Amendment started as a draft, from the signed note's text. Edit it, then sign it."
    )
    return _to_note(client, amendment)
