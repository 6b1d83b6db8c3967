"""The one writer of audit events."""

from typing import Any

from django.db import models

from ehab.logging import get_client_ip, get_request_id

from .models import AuditEvent, Outcome

# Metadata is for small facts (a reason code, an old and new role), never content.
_MAX_METADATA_KEYS = 10
_MAX_METADATA_VALUE = 200


def _clean_metadata(metadata: dict[str, Any] | None) -> dict[str, Any]:
    if not metadata:
        return {}
    if len(metadata) > _MAX_METADATA_KEYS:
        raise ValueError("Audit metadata holds at most ten small facts.")
    cleaned: dict[str, Any] = {}
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise ValueError("Audit metadata keys must be strings.")
        if value is not None and not isinstance(value, bool | int | float | str):
            raise ValueError("Audit metadata values must be scalars.")
        if isinstance(value, str) and len(value) > _MAX_METADATA_VALUE:
            raise ValueError("Audit metadata values must be short.")
        cleaned[key] = value
    return cleaned


def audit_record(
    *,
    action: str,
    actor=None,
    subject=None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    outcome: str = Outcome.ALLOWED,
    metadata: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; request id and client address come from the current request.

    `actor` may be anonymous or None (system). Writes one row; raises ValueError on metadata
    that is not a few short scalars, so content cannot slip into the trail.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_role=getattr(actor, "role", "") or "",
        subject=subject,
        target_type=target_type,
        target_id=str(target_id) if target_id != "" else "",
        outcome=outcome,
        request_id="" if get_request_id() == "-" else get_request_id(),
        ip_address=get_client_ip(),
        metadata=_clean_metadata(metadata),
    )
