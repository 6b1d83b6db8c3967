"""Access to a client's clinical record."""

from audit.access import gate
from audit.models import Action
from audit.services import audit_record

from .selectors import clients_visible_to


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
