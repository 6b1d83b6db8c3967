"""Writing the release ledger. The lazy dashboard check and the beat sweep both end in
`_release`, so the two paths write the same rows, idempotently, and each new release writes its
"something new is ready" message to the outbox in the same transaction."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction

from accounts.events import TimezoneChanged
from courses.content import track_structure
from courses.models import (
    LIVE_STATUSES,
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
from courses.schedule import module_due_at
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue

# A week held back by an unmet prerequisite is looked at again after this long (the client's
# own visits release it at once through the lazy path).
PREREQUISITE_RECHECK = timedelta(hours=1)


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


def _plan(
    enrollment: Enrollment,
    modules: list[Module],
    released: set[int],
    held: set[int],
    now: datetime,
) -> tuple[list[tuple[Module, datetime]], datetime | None]:
    """What to release now, and when the next week after that is due (None: nothing left)."""
    due: list[tuple[Module, datetime]] = []
    next_at = None
    if enrollment.status != EnrollmentStatus.ACTIVE or enrollment.new_weeks_held_for_billing:
        # A billing hold keeps back only what is new; lifting it releases what is due at once.
        return due, None
    blocked = False
    for module in modules:
        if module.pk in released or module.pk in held:
            continue
        at = module_due_at(enrollment=enrollment, module=module)
        if at > now:
            next_at = at
            break
        if blocked:
            next_at = now + PREREQUISITE_RECHECK
            break
        if enrollment.track.requires_previous_completion and not _previous_week_complete(
            enrollment, module
        ):
            blocked = True
            next_at = now + PREREQUISITE_RECHECK
            break
        due.append((module, at))
    return due, next_at


def _released_and_held(enrollment: Enrollment) -> tuple[set[int], set[int]]:
    released = set(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module_id", flat=True)
    )
    held = set(
        PacingAction.objects.filter(
            enrollment=enrollment, kind=PacingKind.HOLD, lifted_at__isnull=True
        ).values_list("module_id", flat=True)
    )
    return released, held


def modules_due(*, enrollment: Enrollment, now: datetime) -> list[tuple[Module, datetime]]:
    """The modules of the track that are due and not yet released, with their due time.

    Applies every release rule but writing: the enrollment is active, its new weeks are not held
    for billing, the module is due, no clinician hold covers it, and the track's prerequisite (if
    any) is met.
    """
    released, held = _released_and_held(enrollment)
    modules = track_structure(track=enrollment.track)
    due, _ = _plan(enrollment, modules, released, held, now)
    return due


def _release(
    plans: Iterable[tuple[Enrollment, Sequence[tuple[Module, datetime | None]], datetime | None]],
    *,
    reason: str,
    now: datetime,
) -> list[ModuleRelease]:
    """Write ledger rows, outbox rows and next-due times for many enrollments in a few queries."""
    rows: list[ModuleRelease] = []
    schedule_updates: list[Enrollment] = []
    for enrollment, items, next_at in plans:
        rows.extend(
            ModuleRelease(
                enrollment=enrollment, module=module, due_at=at, released_at=now, reason=reason
            )
            for module, at in items
        )
        if enrollment.next_release_at != next_at:
            enrollment.next_release_at = next_at
            schedule_updates.append(enrollment)
    written: list[ModuleRelease] = []
    if rows:
        # The unique (enrollment, module) constraint makes a second writer a no-op.
        ModuleRelease.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        enrollment_ids = {r.enrollment_id for r in rows}
        written = list(
            ModuleRelease.objects.filter(
                enrollment_id__in=enrollment_ids, released_at=now, reason=reason
            ).select_related("enrollment__client", "module")
        )
        # One message per enrollment, however many weeks opened at once (a catch-up after a
        # pause opens several): keyed by the newest week opened.
        newest: dict[int, ModuleRelease] = {}
        for release in sorted(written, key=lambda r: (r.enrollment_id, r.module.week)):
            newest[release.enrollment_id] = release
        outbox_enqueue(
            [
                OutboxItem(
                    user=release.enrollment.client,
                    kind=Kind.MODULE_RELEASED,
                    dedupe_key=f"module_released:{release.enrollment_id}:{release.module_id}",
                    link_target="courses:dashboard",
                )
                for release in newest.values()
            ],
            now=now,
        )
    if schedule_updates:
        Enrollment.objects.bulk_update(schedule_updates, ["next_release_at"], batch_size=2000)
    return written


@transaction.atomic
def enrollment_release_due_modules(*, enrollment: Enrollment, now: datetime) -> list[ModuleRelease]:
    """Release every module now due for `enrollment`; returns the rows this call wrote.

    Idempotent and race-safe: the ledger's unique constraint lets concurrent callers (the lazy
    dashboard check, the sweep) both run, and only one row per module is ever written.
    """
    released, held = _released_and_held(enrollment)
    due, next_at = _plan(enrollment, track_structure(track=enrollment.track), released, held, now)
    return _release([(enrollment, due, next_at)], reason=ReleaseReason.SCHEDULE, now=now)


def enrollment_reschedule_and_release(*, enrollment: Enrollment, now: datetime) -> None:
    """Reload the enrollment and apply its schedule at `now` (after a pause, a shift, a hold, a
    new time zone): release every week already due (ledger rows, and their message in the
    outbox) and record when the next one is due."""
    fresh = Enrollment.objects.select_related("track", "cohort", "client").get(pk=enrollment.pk)
    enrollment_release_due_modules(enrollment=fresh, now=now)


@transaction.atomic
def enrollment_hold_new_weeks(*, enrollment: Enrollment, now: datetime) -> Enrollment:
    """Hold back the enrollment's new weeks for a billing matter from `now`: nothing new opens
    until the hold is lifted, while every week already open, the client's writing and their
    safety plan stay open. Idempotent. Billing calls it when an account's new content pauses."""
    Enrollment.objects.filter(pk=enrollment.pk).update(new_weeks_held_for_billing=True)
    enrollment.new_weeks_held_for_billing = True
    enrollment_reschedule_and_release(enrollment=enrollment, now=now)
    return enrollment


@transaction.atomic
def enrollment_lift_new_weeks_hold(*, enrollment: Enrollment, now: datetime) -> list[ModuleRelease]:
    """Lift the billing hold on the enrollment's new weeks: whatever is due at `now` opens at
    once, and the schedule goes on. Returns the releases this wrote. Idempotent. Billing calls
    it when an account's new content is no longer paused."""
    Enrollment.objects.filter(pk=enrollment.pk).update(new_weeks_held_for_billing=False)
    enrollment.new_weeks_held_for_billing = False
    fresh = Enrollment.objects.select_related("track", "cohort", "client").get(pk=enrollment.pk)
    return enrollment_release_due_modules(enrollment=fresh, now=now)


def release_sweep(*, now: datetime, batch_size: int = 1000) -> int:
    """The beat sweep: release every due week for every active enrollment; returns how many.

    Picks enrollments by their indexed next-due time and claims them with
    select_for_update(skip_locked=True), so two sweeps at once share the work instead of
    repeating it; per batch a fixed number of queries, however many enrollments exist.
    """
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, next_release_at__lte=now)
                .select_related("track", "cohort", "client")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_release_at")[:batch_size]
            )
            if not batch:
                return total
            ids = [e.pk for e in batch]
            released: dict[int, set[int]] = defaultdict(set)
            for enrollment_id, module_id in ModuleRelease.objects.filter(
                enrollment_id__in=ids
            ).values_list("enrollment_id", "module_id"):
                released[enrollment_id].add(module_id)
            held: dict[int, set[int]] = defaultdict(set)
            for enrollment_id, module_id in PacingAction.objects.filter(
                enrollment_id__in=ids, kind=PacingKind.HOLD, lifted_at__isnull=True
            ).values_list("enrollment_id", "module_id"):
                held[enrollment_id].add(module_id)
            plans = []
            for enrollment in batch:
                due, next_at = _plan(
                    enrollment,
                    track_structure(track=enrollment.track),
                    released[enrollment.pk],
                    held[enrollment.pk],
                    now,
                )
                plans.append((enrollment, due, next_at))
            total += len(_release(plans, reason=ReleaseReason.SCHEDULE, now=now))
            if len(batch) < batch_size:
                return total


@transaction.atomic
def module_release_now(
    *,
    enrollment: Enrollment,
    module: Module,
    now: datetime,
    reason: str = ReleaseReason.CLINICIAN_ADVANCE,
) -> ModuleRelease:
    """Release one module at once (a clinician's advance); returns the ledger row, new or old."""
    if module.track_id != enrollment.track_id:
        raise ValueError("That module belongs to another track.")
    _release([(enrollment, [(module, None)], enrollment.next_release_at)], reason=reason, now=now)
    return ModuleRelease.objects.get(enrollment=enrollment, module=module)


@transaction.atomic
def release_mark_content_note_seen(*, release: ModuleRelease, now: datetime) -> ModuleRelease:
    """The client read a trauma-intense week's content note and chose to go on."""
    if release.content_note_seen_at is None:
        release.content_note_seen_at = now
        release.save(update_fields=["content_note_seen_at"])
    return release


def enrollments_follow_timezone(event: TimezoneChanged) -> None:
    """A client's time zone changed: reschedule each live enrollment in the new zone, opening
    anything already due there (subscribed in courses/apps.py)."""
    for enrollment in Enrollment.objects.filter(client=event.user, status__in=LIVE_STATUSES):
        enrollment_reschedule_and_release(enrollment=enrollment, now=event.now)
