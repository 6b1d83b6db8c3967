"""The one writer of audit events."""

from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, models, transaction

from core.request_context import get_client_ip, get_request_id

from .models import Action, AuditEvent, Outcome

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


def _event_fields(
    *, action, actor, subject, target, target_type, target_id, outcome, metadata
) -> dict[str, Any]:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    return {
        "action": action,
        "actor": actor,
        "actor_role": getattr(actor, "role", "") or "",
        "subject": subject,
        "target_type": target_type,
        "target_id": str(target_id) if target_id != "" else "",
        "outcome": outcome,
        "request_id": "" if get_request_id() == "-" else get_request_id(),
        "ip_address": get_client_ip(),
        "metadata": _clean_metadata(metadata),
    }


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
    fields = _event_fields(
        action=action,
        actor=actor,
        subject=subject,
        target=target,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        metadata=metadata,
    )
    return AuditEvent.objects.create(**fields)


def audit_denied_access(
    *,
    actor,
    target_type: str,
    target_id: str | int = "",
    subject=None,
    metadata: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    """Record a refused access, counted per actor and minute.

    The first refusal of a signed-in person in a minute (UTC) writes a row with that refusal's
    target, request id and address; each later one in the same minute adds one to its count.
    Anonymous refusals are counted per client address the same way, and one without any address
    (outside a request) is a row of its own. A scan of a thousand addresses is one row a minute,
    not a thousand. See docs/decisions/0006-denied-access-audit.md.
    """
    fields = _event_fields(
        action=Action.ACCESS_DENIED,
        actor=actor,
        subject=subject,
        target=None,
        target_type=target_type,
        target_id=target_id,
        outcome=Outcome.DENIED,
        metadata=metadata,
    )
    if fields["actor"] is None and fields["ip_address"] is None:
        AuditEvent.objects.create(occurred_at=now, **fields)
        return
    minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    same_minute = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, window_start=minute)
    if fields["actor"] is not None:
        same_minute = same_minute.filter(actor=fields["actor"])
    else:
        same_minute = same_minute.filter(actor__isnull=True, ip_address=fields["ip_address"])
    if same_minute.count_one_more_denial():
        return
    try:
        with transaction.atomic():
            AuditEvent.objects.create(occurred_at=now, window_start=minute, **fields)
    except IntegrityError:
        # Another request wrote this minute's row first (the unique constraint waited for it
        # to commit): count this one on it.
        same_minute.count_one_more_denial()
