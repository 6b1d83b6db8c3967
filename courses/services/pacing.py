"""Clinician pacing: hold, lift a hold, advance, pause, resume, shift. Each is recorded with a
reason code and a note, and audited."""

from datetime import datetime

from django.db import transaction

from audit.services import audit_record
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    Module,
    PacingAction,
    PacingKind,
    PacingReason,
)

from .enrollment import enrollment_set_status
from .releases import enrollment_refresh_schedule, module_release_now

MAX_SHIFT_DAYS = 90


class PacingError(ValueError):
    """The pacing action does not fit the enrollment's state."""


@transaction.atomic
def pacing_action_record(
    *,
    enrollment: Enrollment,
    kind: str,
    reason_code: str,
    author,
    note: str = "",
    now: datetime,
    module: Module | None = None,
    days: int | None = None,
) -> PacingAction:
    """Apply and record one pacing action on a locked enrollment at `now`; audited. Raises
    PacingError. A pause counts whole days in the client's own time zone."""
    if kind not in PacingKind.values:
        raise PacingError("Unknown pacing action.")
    if reason_code not in PacingReason.values:
        raise PacingError("Choose a reason.")
    if len(note) > 2000:
        raise PacingError("Keep the note under 2,000 characters.")
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("track", "client")
        .get(pk=enrollment.pk)
    )
    needs_module = kind in (PacingKind.HOLD, PacingKind.RELEASE_HOLD, PacingKind.ADVANCE)
    if needs_module and (module is None or module.track_id != enrollment.track_id):
        raise PacingError("Choose a week of this client's track.")
    if kind == PacingKind.HOLD:
        if enrollment.releases.filter(module=module).exists():
            raise PacingError("That week is already open.")
    elif kind == PacingKind.RELEASE_HOLD:
        lifted = PacingAction.objects.filter(
            enrollment=enrollment, kind=PacingKind.HOLD, module=module, lifted_at__isnull=True
        ).update(lifted_at=now)
        if not lifted:
            raise PacingError("There is no hold on that week.")
    elif kind == PacingKind.ADVANCE:
        module_release_now(enrollment=enrollment, module=module, now=now)
    elif kind == PacingKind.PAUSE:
        if enrollment.status != EnrollmentStatus.ACTIVE:
            raise PacingError("Only an active program can be paused.")
        enrollment.paused_since = now
        enrollment.save(update_fields=["paused_since"])
        enrollment_set_status(
            enrollment=enrollment, status=EnrollmentStatus.PAUSED, acting_user=author, now=now
        )
    elif kind == PacingKind.RESUME:
        if enrollment.status != EnrollmentStatus.PAUSED:
            raise PacingError("Only a paused program can be resumed.")
        client = enrollment.client
        paused_for = (client.local_date(now) - client.local_date(enrollment.paused_since)).days
        enrollment.paused_days += max(0, paused_for)
        enrollment.paused_since = None
        enrollment.save(update_fields=["paused_days", "paused_since"])
        enrollment_set_status(
            enrollment=enrollment, status=EnrollmentStatus.ACTIVE, acting_user=author, now=now
        )
    elif kind == PacingKind.SHIFT:
        if days is None or not (-MAX_SHIFT_DAYS <= days <= MAX_SHIFT_DAYS) or days == 0:
            raise PacingError(f"Shift by 1 to {MAX_SHIFT_DAYS} days, later or earlier.")
        if enrollment.paused_days + days < 0:
            raise PacingError("The schedule cannot move before its start.")
        enrollment.paused_days += days
        enrollment.save(update_fields=["paused_days"])
    action = PacingAction.objects.create(
        enrollment=enrollment,
        kind=kind,
        reason_code=reason_code,
        note=note,
        author=author,
        module=module,
        days=days,
    )
    enrollment_refresh_schedule(enrollment=enrollment, now=now)
    audit_record(
        action=f"pacing.{kind}",
        actor=author,
        subject=enrollment.client,
        target=enrollment,
        metadata={"reason": reason_code, "module": module.pk if module else None, "days": days},
    )
    return action
