"""Writing the release ledger. The lazy dashboard check and the beat sweep both call
`enrollment_release_due_modules`, so the two paths write the same rows, idempotently."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from courses import schedule
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Module,
    ModuleRelease,
    PacingAction,
    PacingKind,
    ReleaseReason,
)


def module_due_at(*, enrollment: Enrollment, module: Module) -> datetime:
    """When `module` is due for `enrollment` (client's time zone, pauses included)."""
    track = enrollment.track
    return schedule.due_at(
        anchor=enrollment.anchor_date,
        week=module.week,
        release_weekday=track.release_weekday,
        release_time=track.release_time,
        tz=enrollment.client.timezone,
        paused_days=enrollment.paused_days,
    )


def _held_module_ids(enrollment: Enrollment) -> set[int]:
    return set(
        PacingAction.objects.filter(
            enrollment=enrollment, kind=PacingKind.HOLD, lifted_at__isnull=True
        ).values_list("module_id", flat=True)
    )


def _previous_week_complete(enrollment: Enrollment, module: Module) -> bool:
    """Every required lesson of the week before is complete (weeks with no lessons count)."""
    if module.week == 1:
        return True
    required = set(
        Lesson.objects.filter(
            module__track_id=module.track_id,
            module__week=module.week - 1,
            module__retired_at__isnull=True,
            required=True,
            retired_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    done = LessonProgress.objects.filter(
        enrollment=enrollment, lesson_id__in=required, completed_at__isnull=False
    ).count()
    return done == len(required)


def modules_due(*, enrollment: Enrollment, now: datetime) -> list[tuple[Module, datetime]]:
    """The modules of the track that are due and not yet released, with their due time.

    Applies every release rule but writing: the enrollment is active, the module is due, no
    clinician hold covers it, and the track's prerequisite (if any) is met. Billing and safety
    holds join these rules when those capabilities land.
    """
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return []
    released = ModuleRelease.objects.filter(enrollment=enrollment, module=OuterRef("pk"))
    candidates = (
        Module.objects.filter(track_id=enrollment.track_id, retired_at__isnull=True)
        .annotate(is_released=Exists(released))
        .filter(is_released=False)
        .order_by("week", "order")
    )
    held = _held_module_ids(enrollment)
    due: list[tuple[Module, datetime]] = []
    for module in candidates:
        at = module_due_at(enrollment=enrollment, module=module)
        if at > now:
            break  # ordered by week: later weeks are due later still
        if module.pk in held:
            continue
        if enrollment.track.requires_previous_completion and not _previous_week_complete(
            enrollment, module
        ):
            break
        due.append((module, at))
    return due


def _write_releases(
    enrollment: Enrollment, items: Iterable[tuple[Module, datetime | None]], reason: str
) -> list[ModuleRelease]:
    now = timezone.now()
    rows = [
        ModuleRelease(
            enrollment=enrollment, module=module, due_at=at, released_at=now, reason=reason
        )
        for module, at in items
    ]
    if not rows:
        return []
    # The unique (enrollment, module) constraint makes a second writer a no-op.
    ModuleRelease.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        ModuleRelease.objects.filter(
            enrollment=enrollment, module_id__in=[r.module_id for r in rows], released_at=now
        )
    )


@transaction.atomic
def enrollment_release_due_modules(
    *, enrollment: Enrollment, now: datetime | None = None
) -> list[ModuleRelease]:
    """Release every module now due for `enrollment`; returns the rows this call wrote.

    Idempotent and race-safe: the ledger's unique constraint lets concurrent callers (the lazy
    dashboard check, the sweep) both run, and only one row per module is ever written.
    """
    now = now or timezone.now()
    return _write_releases(enrollment, modules_due(enrollment=enrollment, now=now), "schedule")


@transaction.atomic
def module_release_now(
    *, enrollment: Enrollment, module: Module, reason: str = ReleaseReason.CLINICIAN_ADVANCE
) -> ModuleRelease:
    """Release one module at once (a clinician's advance); returns the ledger row, new or old."""
    if module.track_id != enrollment.track_id:
        raise ValueError("That module belongs to another track.")
    _write_releases(enrollment, [(module, None)], reason)
    return ModuleRelease.objects.get(enrollment=enrollment, module=module)


@transaction.atomic
def release_mark_content_note_seen(*, release: ModuleRelease) -> ModuleRelease:
    """The client read a trauma-intense week's content note and chose to go on."""
    if release.content_note_seen_at is None:
        release.content_note_seen_at = timezone.now()
        release.save(update_fields=["content_note_seen_at"])
    return release
