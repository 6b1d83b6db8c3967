"""Writes for each client's records: preparing a copy (requested, built by the task, failed,
expired), its downloads (audited, never its content), and the request to close an account and
its completion by an administrator. Every write is audited with ids and counts only (U-1)."""

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.services import account_deactivate
from audit.models import Action
from audit.services import audit_record
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue

from .export import export_build
from .models import ClaimDetails, ClosureRequest, RecordExport, token_digest
from .selectors import closure_recipients
from .superbill import Superbill, superbill_build, superbill_missing


class ClosureError(Exception):
    """A closure that cannot be made or completed as asked (nothing was stored)."""


def export_lifetime() -> timedelta:
    """How long a prepared copy can be downloaded (EHAB_RECORDS_EXPORT_HOURS)."""
    return timedelta(hours=settings.EHAB_RECORDS_EXPORT_HOURS)


@dataclass(frozen=True)
class ExportRequested:
    export: RecordExport
    token: str  # shown to the client once, in their link; only its digest is stored


@transaction.atomic
def record_export_request(*, client: User, now: datetime) -> ExportRequested:
    """A new pending copy of `client`'s records with a fresh opaque token (stored hashed);
    audited. The caller enqueues records.tasks.build_record_export after commit."""
    token = secrets.token_urlsafe(32)
    export = RecordExport.objects.create(
        client=client, requested_at=now, token_hash=token_digest(token)
    )
    audit_record(
        action=Action.RECORDS_EXPORT_REQUESTED, actor=client, subject=client, target=export
    )
    return ExportRequested(export=export, token=token)


@transaction.atomic
def record_export_build(*, export_id: int, now: datetime) -> RecordExport | None:
    """Build a pending copy and mark it ready until `now` + the link lifetime. Idempotent and
    race-safe: the row is locked, and a copy that is no longer pending is left as it is. Returns
    None when the row is gone."""
    export = RecordExport.objects.select_for_update().filter(pk=export_id).first()
    if export is None:
        return None
    if export.status != RecordExport.Status.PENDING:
        return export
    client = User.objects.get(pk=export.client_id)
    document = export_build(client=client, now=now)
    export.document = document
    export.size = len(json.dumps(document, ensure_ascii=False).encode())
    export.status = RecordExport.Status.READY
    export.ready_at = now
    export.expires_at = now + export_lifetime()
    export.save(update_fields=["document", "size", "status", "ready_at", "expires_at"])
    audit_record(
        action=Action.RECORDS_EXPORT_READY,
        subject=client,
        target=export,
        metadata={"size": export.size},
    )
    return export


def record_export_fail(*, export_id: int) -> int:
    """Mark a copy that is still pending as failed (the task gave up). Returns rows changed."""
    return RecordExport.objects.filter(pk=export_id, status=RecordExport.Status.PENDING).update(
        status=RecordExport.Status.FAILED
    )


def record_export_expire(*, export: RecordExport, now: datetime) -> RecordExport:
    """A ready copy whose link has passed its time becomes expired and its content is cleared.
    Conditional, so running it twice changes nothing more."""
    if (
        export.status == RecordExport.Status.READY
        and export.expires_at
        and export.expires_at <= now
    ):
        RecordExport.objects.filter(pk=export.pk, status=RecordExport.Status.READY).update(
            status=RecordExport.Status.EXPIRED, document=None
        )
        export.status = RecordExport.Status.EXPIRED
        export.document = None
    return export


def record_exports_expire_due(*, now: datetime) -> int:
    """Beat's sweep: every ready copy whose link has passed its time becomes expired and its
    content is cleared, opened again or not. Conditional; returns how many were cleared."""
    return RecordExport.objects.filter(
        status=RecordExport.Status.READY, expires_at__lte=now
    ).update(status=RecordExport.Status.EXPIRED, document=None)


# A copy whose build hit a database hiccup stays pending; beat's sweep builds it again after
# RETRY_AFTER and gives up (failed, so the client can ask again) after GIVE_UP_AFTER. Database
# rows, not a delayed task: on Redis a delay past the visibility timeout runs twice.
RETRY_AFTER = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(hours=1)


def record_exports_stalled(*, now: datetime) -> list[int]:
    """The pending copies to build again at `now`, and marks failed those pending too long."""
    pending = RecordExport.objects.filter(status=RecordExport.Status.PENDING)
    pending.filter(requested_at__lte=now - GIVE_UP_AFTER).update(status=RecordExport.Status.FAILED)
    return list(pending.filter(requested_at__lte=now - RETRY_AFTER).values_list("pk", flat=True))


def record_export_downloaded(*, export: RecordExport, user: User, fmt: str) -> None:
    """Audit one download of a copy by its owner: the export's id and format, never content."""
    audit_record(
        action=Action.RECORDS_EXPORT_DOWNLOADED,
        actor=user,
        subject=user,
        target=export,
        metadata={"format": fmt},
    )


@transaction.atomic
def closure_request(*, client: User, reason: str, now: datetime) -> ClosureRequest:
    """Record the client's request to close their account, tell their clinicians and the
    administrators through the outbox (discreet, no reason), and end their access
    (accounts.services.account_deactivate). Raises ClosureError when one is already open."""
    locked = User.objects.select_for_update().get(pk=client.pk)
    if ClosureRequest.objects.filter(client=locked, status=ClosureRequest.Status.OPEN).exists():
        raise ClosureError("A request to close this account is already waiting.")
    closure = ClosureRequest.objects.create(client=locked, requested_at=now, reason=reason)
    audit_record(
        action=Action.ACCOUNT_CLOSURE_REQUESTED,
        actor=client,
        subject=locked,
        target=closure,
        metadata={"reason_given": bool(reason)},
    )
    outbox_enqueue(
        [
            OutboxItem(
                user=person,
                kind=Kind.ACCOUNT_CLOSURE,
                dedupe_key=f"account_closure:{closure.pk}:{person.pk}",
                link_target="ops:closures" if person.role == Role.ADMIN else "care:caseload",
            )
            for person in closure_recipients(client=locked)
        ],
        now=now,
    )
    account_deactivate(user=locked, acting_user=client, reason="closure_requested")
    client.is_active = False
    return closure


@transaction.atomic
def closure_complete(*, request: ClosureRequest, by: User, now: datetime) -> ClosureRequest:
    """An administrator completes an open closure: who and when are kept, the account stays
    inactive, and every record is retained. Raises ClosureError when it is already complete."""
    locked = ClosureRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != ClosureRequest.Status.OPEN:
        raise ClosureError("This closure is already complete.")
    locked.status = ClosureRequest.Status.COMPLETED
    locked.completed_at = now
    locked.completed_by = by
    locked.save(update_fields=["status", "completed_at", "completed_by"])
    client = User.objects.get(pk=locked.client_id)
    if client.is_active:
        account_deactivate(user=client, acting_user=by, reason="closure_completed")
    audit_record(
        action=Action.ACCOUNT_CLOSURE_COMPLETED,
        actor=by,
        subject=client,
        target=locked,
        metadata={"retention_years": settings.EHAB_RECORDS_RETENTION_YEARS},
    )
    return locked


@transaction.atomic
def claim_details_save(
    *, client: User, legal_name: str, date_of_birth: date, now: datetime
) -> ClaimDetails:
    """The client's legal name and date of birth for their superbills (one row, kept up to
    date); audited without the values."""
    details, _ = ClaimDetails.objects.update_or_create(
        client=client,
        defaults={"legal_name": legal_name, "date_of_birth": date_of_birth, "updated_at": now},
    )
    audit_record(action=Action.CLAIM_DETAILS_SAVED, actor=client, subject=client, target=details)
    return details


class SuperbillError(ValueError):
    """A superbill cannot be issued yet (the practice's details, or the client's, are missing)."""


def superbill_issue(*, client: User, since: date, until: date, now: datetime) -> Superbill:
    """The client's superbill for `since` to `until`, audited with the range and counts only
    (U-1). SuperbillError when the practice has not finished setting superbills up or the
    client has not given their legal name and date of birth."""
    if superbill_missing():
        raise SuperbillError("Superbills are not available yet.")
    details = ClaimDetails.objects.filter(client=client).first()
    if details is None:
        raise SuperbillError("Add your legal name and date of birth first.")
    bill = superbill_build(client=client, details=details, since=since, until=until, now=now)
    audit_record(
        action=Action.SUPERBILL_GENERATED,
        actor=client,
        subject=client,
        metadata={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "sessions": len(bill.services),
            "payments": len(bill.payments),
        },
    )
    return bill
