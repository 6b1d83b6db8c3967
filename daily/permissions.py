"""Who may open which daily record. Everything in the daily app is the client's own: a lapse
opens for the client who recorded it and nobody else (not another client, not staff; the care
team reads lapses in the record). A missing lapse and someone else's look the same: a denied 404
(audit.access)."""

from django.db.models import QuerySet

from accounts.models import User
from audit.access import gate

from .models import Lapse


def own_lapses(*, user: User) -> QuerySet[Lapse]:
    """The lapses `user` recorded (with the client, for the audit trail), none for anyone else."""
    return Lapse.objects.filter(client_id=user.pk).select_related("client")


def access_lapse(*, user: User, lapse_id: int | str, for_write: bool = False) -> Lapse:
    """The lapse `lapse_id` when `user` recorded it, or a denied 404 (one query)."""
    return gate(
        own_lapses(user=user),
        user=user,
        pk=lapse_id,
        target_type="daily.lapse",
        for_write=for_write,
    )
