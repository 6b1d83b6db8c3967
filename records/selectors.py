"""Reads for each client's records: a copy by its link's token (the owner's alone), the client's
recent copies, who is told of a closure, and the administrators' list of closures."""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.roles import Role

from .models import ClosureRequest, RecordExport, token_digest

RECENT_EXPORTS = 5


def export_for_token(*, client: User, token: str) -> RecordExport | None:
    """The copy this token opens, if it is `client`'s own; None otherwise (the caller denies)."""
    if not token or len(token) > 128:
        return None
    return RecordExport.objects.filter(client=client, token_hash=token_digest(token)).first()


def exports_recent(*, client: User) -> list[RecordExport]:
    """The client's latest few copies (their status and times; never their content)."""
    return list(RecordExport.objects.filter(client=client).defer("document")[:RECENT_EXPORTS])


def closure_recipients(*, client: User) -> list[User]:
    """Who is told of a closure: the client's active care team and the active administrators."""
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.ADMIN)
            | Q(caseload_assignments__client=client, caseload_assignments__is_active=True)
        )
        .exclude(pk=client.pk)
        .distinct()
        .order_by("pk")
    )


def closure_open_for(*, client: User) -> ClosureRequest | None:
    return ClosureRequest.objects.filter(client=client, status=ClosureRequest.Status.OPEN).first()


def closures_for_console() -> QuerySet[ClosureRequest]:
    """Closures for the administrators' list: open first, then the latest completed; the
    client's name and email and who completed it, never the reason's words in the list."""
    return ClosureRequest.objects.select_related("client", "completed_by").order_by(
        "-status", "-requested_at", "-pk"
    )
