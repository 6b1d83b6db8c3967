"""Clinician pacing, one function per verb: hold a week, lift a hold, open a week early, pause,
resume, shift the schedule. Each locks the enrollment, records a `PacingAction` with a reason code
and an optional note, releases whatever is due at `now` afterwards, and is audited. Each raises
PacingError when the action does not fit the enrollment's state."""

from datetime import datetime

from django.db import transaction

from accounts.models import User
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
from .releases import enrollment_reschedule_and_release, module_release_now

MAX_SHIFT_DAYS = 90
MAX_NOTE = 2000


class PacingError(ValueError):
    """The pacing action does not fit the enrollment's state."""


def _locked(enrollment: Enrollment, *, reason_code: str, note: str) -> Enrollment:
    """Check the reason and the note, then lock the enrollment (with its track and client)."""
    if reason_code not in PacingReason.values:
        raise PacingError("Choose a reason.")
    if len(note) > MAX_NOTE:
        raise PacingError("Keep the note under 2,000 characters.")
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("track", "client")
        .get(pk=enrollment.pk)
    )


def _week_of(enrollment: Enrollment, module: Module | None) -> Module:
    if module is None or module.track_id != enrollment.track_id:
        raise PacingError("Choose a week of this client's track.")
    return module


def _record(
    enrollment: Enrollment,
    *,
    kind: str,
    reason_code: str,
    note: str,
    author: User | None,
    now: datetime,
    module: Module | None = None,
    days: int | None = None,
) -> PacingAction:
    """Write the action, release what is due at `now` under the new schedule, and audit it."""
    action = PacingAction.objects.create(
        enrollment=enrollment,
        kind=kind,
        reason_code=reason_code,
        note=note,
        author=author,
        module=module,
        days=days,
        created_at=now,
    )
    enrollment_reschedule_and_release(enrollment=enrollment, now=now)
    audit_record(
        action=f"pacing.{kind}",
        actor=author,
        subject=enrollment.client,
        target=enrollment,
        metadata={"reason": reason_code, "module": module.pk if module else None, "days": days},
    )
    return action


@transaction.atomic
def pacing_hold(
    *,
    enrollment: Enrollment,
    module: Module,
    reason_code: str,
    author: User | None,
    now: datetime,
    note: str = "",
) -> PacingAction:
    """Keep a week that has not opened yet closed until the hold is lifted."""
    enrollment = _locked(enrollment, reason_code=reason_code, note=note)
    module = _week_of(enrollment, module)
    if enrollment.releases.filter(module=module).exists():
        raise PacingError("That week is already open.")
    if PacingAction.objects.filter(
        enrollment=enrollment, kind=PacingKind.HOLD, module=module, lifted_at__isnull=True
    ).exists():
        raise PacingError("That week is already held.")
    return _record(enrollment, kind=PacingKind.HOLD, reason_code=reason_code, note=note,
                   author=author, now=now, module=module)  # fmt: skip


@transaction.atomic
def pacing_lift_hold(
    *,
    enrollment: Enrollment,
    module: Module,
    reason_code: str,
    author: User | None,
    now: datetime,
    note: str = "",
) -> PacingAction:
    """Lift the hold on a week; if the week is due by now it opens at once."""
    enrollment = _locked(enrollment, reason_code=reason_code, note=note)
    module = _week_of(enrollment, module)
    lifted = PacingAction.objects.filter(
        enrollment=enrollment, kind=PacingKind.HOLD, module=module, lifted_at__isnull=True
    ).update(lifted_at=now)
    if not lifted:
        raise PacingError("There is no hold on that week.")
    return _record(enrollment, kind=PacingKind.RELEASE_HOLD, reason_code=reason_code, note=note,
                   author=author, now=now, module=module)  # fmt: skip


@transaction.atomic
def pacing_advance(
    *,
    enrollment: Enrollment,
    module: Module,
    reason_code: str,
    author: User | None,
    now: datetime,
    note: str = "",
) -> PacingAction:
    """Open a week now, before it is due (once: opening it again changes nothing)."""
    enrollment = _locked(enrollment, reason_code=reason_code, note=note)
    module = _week_of(enrollment, module)
    module_release_now(enrollment=enrollment, module=module, now=now)
    return _record(enrollment, kind=PacingKind.ADVANCE, reason_code=reason_code, note=note,
                   author=author, now=now, module=module)  # fmt: skip


@transaction.atomic
def pacing_pause(
    *, enrollment: Enrollment, reason_code: str, author: User, now: datetime, note: str = ""
) -> PacingAction:
    """Pause an active program: no new week opens until it resumes; what is open stays open."""
    enrollment = _locked(enrollment, reason_code=reason_code, note=note)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise PacingError("Only an active program can be paused.")
    enrollment.paused_since = now
    enrollment.save(update_fields=["paused_since"])
    enrollment_set_status(
        enrollment=enrollment, status=EnrollmentStatus.PAUSED, acting_user=author, now=now
    )
    return _record(enrollment, kind=PacingKind.PAUSE, reason_code=reason_code, note=note,
                   author=author, now=now)  # fmt: skip


@transaction.atomic
def pacing_resume(
    *, enrollment: Enrollment, reason_code: str, author: User, now: datetime, note: str = ""
) -> PacingAction:
    """Resume a paused program: the schedule moves later by the whole days paused, counted in the
    client's own time zone."""
    enrollment = _locked(enrollment, reason_code=reason_code, note=note)
    if enrollment.status != EnrollmentStatus.PAUSED:
        raise PacingError("Only a paused program can be resumed.")
    client = enrollment.client
    paused_since = enrollment.paused_since or now
    paused_for = (client.local_date(now) - client.local_date(paused_since)).days
    enrollment.paused_days += max(0, paused_for)
    enrollment.paused_since = None
    enrollment.save(update_fields=["paused_days", "paused_since"])
    enrollment_set_status(
        enrollment=enrollment, status=EnrollmentStatus.ACTIVE, acting_user=author, now=now
    )
    return _record(enrollment, kind=PacingKind.RESUME, reason_code=reason_code, note=note,
                   author=author, now=now)  # fmt: skip


@transaction.atomic
def pacing_shift(
    *,
    enrollment: Enrollment,
    days: int,
    reason_code: str,
    author: User | None,
    now: datetime,
    note: str = "",
) -> PacingAction:
    """Move the rest of the schedule later (days > 0) or earlier (days < 0), by at most
    MAX_SHIFT_DAYS and never before its start."""
    enrollment = _locked(enrollment, reason_code=reason_code, note=note)
    if isinstance(days, bool) or not isinstance(days, int):
        raise PacingError(f"Shift by 1 to {MAX_SHIFT_DAYS} days, later or earlier.")
    if days == 0 or not -MAX_SHIFT_DAYS <= days <= MAX_SHIFT_DAYS:
        raise PacingError(f"Shift by 1 to {MAX_SHIFT_DAYS} days, later or earlier.")
    if enrollment.paused_days + days < 0:
        raise PacingError("The schedule cannot move before its start.")
    enrollment.paused_days += days
    enrollment.save(update_fields=["paused_days"])
    return _record(enrollment, kind=PacingKind.SHIFT, reason_code=reason_code, note=note,
                   author=author, now=now, days=days)  # fmt: skip
