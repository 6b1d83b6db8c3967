"""Reads of the audit trail."""

from .models import AuditEvent


def audit_events_for_subject(*, subject_id: int):
    """A subject's events, newest first, with actor and subject joined."""
    return AuditEvent.objects.filter(subject_id=subject_id).select_related("actor", "subject")
