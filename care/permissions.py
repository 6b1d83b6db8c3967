"""Access to a client's clinical record."""

from audit.access import gate
from audit.models import Action
from audit.services import audit_record

from .selectors import clients_visible_to
from .selectors.record_notes import notes_visible_to


def access_client(*, user, client_id, for_write: bool = False):
    """The client whose record `user` may open, or 404 (missing and forbidden alike, audited).

    A clinician reaching another person's record is itself audited as a read.
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
