"""Writes to care records."""

from datetime import datetime

from django.db import transaction

from accounts.roles import Capability, is_client_role, role_can
from audit.services import audit_record

from .models import CareAssignment


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
