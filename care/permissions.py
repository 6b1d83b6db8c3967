"""Access to a client's clinical record."""

from django.db.models import QuerySet

from accounts.roles import Capability, has_clinical_oversight, role_can
from audit.access import gate
from audit.models import Action
from audit.services import audit_record
from courses.models import WorksheetResponse

from .models import RiskFlag
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


# --- risk flags ---
def may_see_flags(user) -> bool:
    """The care team (a caseload) and administrators marked clinical see risk flags; billing
    staff and other administrators never do (S-2)."""
    return user.is_authenticated and (
        role_can(user.role, Capability.CASELOAD) or has_clinical_oversight(user)
    )


def flags_visible_to(*, user) -> QuerySet[RiskFlag]:
    """The flags `user` may open: those about the clients they follow (clinicians and
    supervisors, A-2) and, for an administrator marked clinical, every flag that has escalated
    (S-5). Nobody else sees any."""
    if not user.is_authenticated:
        return RiskFlag.objects.none()
    if has_clinical_oversight(user):
        return RiskFlag.objects.filter(escalated_at__isnull=False)
    if role_can(user.role, Capability.CASELOAD):
        return RiskFlag.objects.filter(client__in=clients_visible_to(user=user))
    return RiskFlag.objects.none()


def access_flag(*, user, flag_id, for_write: bool = False) -> RiskFlag:
    """A risk flag `user` may open, with its client, or a denied 404 (A-1); opening it for a
    change is audited by the service, reading it by the page."""
    return gate(
        flags_visible_to(user=user).select_related("client"),
        user=user,
        pk=flag_id,
        target_type="care.riskflag",
        for_write=for_write,
    )
