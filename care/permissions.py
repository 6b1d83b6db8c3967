"""Access to a client's clinical record."""

from audit.access import gate
from audit.models import Action
from audit.services import audit_record

from .selectors import clients_visible_to


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
