"""Reads of the audit trail."""

from django.db.models import Sum
from django.db.models.functions import Coalesce

from .models import Action, AuditEvent, Outcome


def audit_events_for_subject(*, subject_id: int):
    """A subject's events, newest first, with actor and subject joined."""
    return AuditEvent.objects.filter(subject_id=subject_id).select_related("actor", "subject")


def audit_denials_counted(*, actor_id: int | None = None) -> int:
    """How many refused accesses the trail holds, by anyone or by one actor: each row counts the
    refusals of one actor (or address) in one minute, so this sums the counts, not the rows."""
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, outcome=Outcome.DENIED)
    if actor_id is not None:
        denied = denied.filter(actor_id=actor_id)
    return denied.aggregate(total=Coalesce(Sum("count"), 0))["total"]
