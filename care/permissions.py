"""Access to a client's clinical record."""

from audit.access import gate
from audit.models import Action
from audit.services import audit_record
from courses.models import WorksheetResponse

from .selectors import clients_visible_to
from .selectors.record_notes import notes_visible_to


def access_client(*, user, client_id, for_write: bool = False):
    """The client whose record `user` may open, or 404 (missing and forbidden alike, audited).

    Who may: the client themselves; a clinician with an active care assignment to them; a
    supervisor through such an assignment of their own or of a clinician they actively supervise
    (care.selectors.clients_visible_to, A-2). An ended assignment or supervision is a denied 404.
    A member of the care team reaching another person's record is itself audited as a read.
    """
    client = gate(
        clients_visible_to(user=user),
        user=user,
        pk=client_id,
        target_type="accounts.user",
        for_write=for_write,
    )
    if client.pk != user.pk:
        audit_record(action=Action.RECORD_VIEWED, actor=user, subject=client, target=client)
    return client


# --- worksheets ---
def access_worksheet_version(*, user, client, version_id, for_write: bool = False):
    """A submitted version of `client`'s worksheets (the client already passed access_client),
    with its lesson and module, or a denied 404: a draft (the client's alone), another
    client's version and a missing one look the same (A-1)."""
    return gate(
        WorksheetResponse.objects.submitted()
        .filter(enrollment__client=client)
        .select_related("lesson__module", "enrollment"),
        user=user,
        pk=version_id,
        target_type="courses.worksheetresponse",
        for_write=for_write,
    )


def access_note(*, user, client, note_id, for_write: bool = False):
    """A progress note about `client` that `user` may see (every signed note, and their own
    drafts), or 404, audited. Call it after `access_client` has let `user` in: the care team
    alone reaches notes (S-6)."""
    return gate(
        notes_visible_to(user=user, client=client),
        user=user,
        pk=note_id,
        target_type="care.progressnote",
        for_write=for_write,
    )
