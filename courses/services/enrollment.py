"""Enrollment state: created and moved only through an allowed-transition map (I-2)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Value, When

from accounts.roles import Role
from audit.services import audit_record
from core.events import publish
from courses.content import track_structure
from courses.events import EnrollmentJoinedCohort
from courses.models import (
    SEAT_STATUSES,
    Audience,
    Cohort,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Module,
    ModuleRelease,
    PacingAction,
    Track,
    WorksheetResponse,
)
from courses.schedule import due_at

from .releases import enrollment_release_due_modules, enrollment_reschedule_and_release

S = EnrollmentStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.PAUSED, S.COMPLETED, S.WITHDRAWN}),
    S.PAUSED: frozenset({S.ACTIVE, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CANCELLED: frozenset(),
}


class EnrollmentError(ValueError):
    """The enrollment change is not allowed."""


def cohort_seats_taken(*, cohort: Cohort) -> int:
    """How many seats of `cohort` are taken: its enrollments in SEAT_STATUSES."""
    return Enrollment.objects.filter(cohort=cohort, status__in=SEAT_STATUSES).count()


def enrollment_check(*, client, track: Track, cohort: Cohort | None, start_date, status) -> None:
    """Raise EnrollmentError if this person, track, cohort and status cannot make an enrollment."""
    expected = Role.PARTNER if track.audience == Audience.PARTNER else Role.CLIENT
    if client.role != expected:
        raise EnrollmentError(f"This track is for {track.get_audience_display().lower()}.")
    if cohort is not None and cohort.track_id != track.pk:
        raise EnrollmentError("That cohort runs another track.")
    if cohort is None and start_date is None:
        raise EnrollmentError("Rolling enrollment needs a start date.")
    if status not in (S.ACTIVE, S.PENDING_PAYMENT):
        raise EnrollmentError("A new enrollment starts active or waiting for payment.")
    if Enrollment.objects.filter(
        client=client, track=track, status__in=(S.PENDING_PAYMENT, S.ACTIVE, S.PAUSED)
    ).exists():
        raise EnrollmentError("This client already has a live enrollment on this track.")


@transaction.atomic
def enrollment_create(
    *,
    client,
    track: Track,
    start_date: date | None = None,
    cohort: Cohort | None = None,
    status: str = S.ACTIVE,
    source: str = EnrollmentSource.CHECKOUT,
    acting_user=None,
    now: datetime,
) -> Enrollment:
    """Enroll a client on a track, in a cohort or on rolling enrollment at `now` (whatever is
    already due opens at once); audited.

    Raises EnrollmentError when the person, track or cohort do not fit, or when the client already
    has a live enrollment on the track.
    """
    enrollment_check(
        client=client, track=track, cohort=cohort, start_date=start_date, status=status
    )
    anchor = start_date if start_date is not None else cohort.start_date  # type: ignore[union-attr]  # enrollment_check: a cohort when no start date
    enrollment = Enrollment(
        client=client,
        track=track,
        cohort=cohort,
        status=status,
        start_date=anchor,
        source=source,
        created_at=now,
    )
    try:
        enrollment.full_clean(validate_constraints=False)
        with transaction.atomic():
            enrollment.save()
    except (IntegrityError, ValidationError):
        raise EnrollmentError("This client already has a live enrollment on this track.") from None
    enrollment_reschedule_and_release(enrollment=enrollment, now=now)
    enrollment.refresh_from_db()
    audit_record(
        action="enrollment.created",
        actor=acting_user,
        subject=client,
        target=enrollment,
        metadata={
            "track": track.slug,
            "cohort": cohort.pk if cohort else None,
            **({"source": source} if source != EnrollmentSource.CHECKOUT else {}),
        },
    )
    if cohort is not None:
        publish(
            EnrollmentJoinedCohort(
                enrollment_id=enrollment.pk,
                client_id=client.pk,
                cohort_id=cohort.pk,
                acting_user_id=acting_user.pk if acting_user is not None else None,
            )
        )
    return enrollment


def _move(
    *,
    enrollment: Enrollment,
    status: str,
    acting_user,
    only_from: str | None = None,
    reason: str = "",
) -> Enrollment:
    """Lock the enrollment and move it along the allowed-transition map (and only from
    `only_from`, when given); audited. Returns the locked row; raises EnrollmentError. The caller
    decides what opens."""
    current = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    allowed = status in ALLOWED_TRANSITIONS.get(current.status, frozenset())
    if not allowed or only_from not in (None, current.status):
        raise EnrollmentError(f"An enrollment cannot go from {current.status} to {status}.")
    old = current.status
    current.status = status
    current.save(update_fields=["status"])
    enrollment.status = status
    audit_record(
        action="enrollment.status_changed",
        actor=acting_user,
        subject=current.client,
        target=current,
        metadata={"from": old, "to": status, **({"reason": reason} if reason else {})},
    )
    return current


@transaction.atomic
def enrollment_set_status(
    *, enrollment: Enrollment, status: str, acting_user, now: datetime
) -> Enrollment:
    """Move an enrollment along the allowed-transition map at `now` and reschedule it (an
    enrollment made active again opens what is due); audited. Raises EnrollmentError."""
    current = _move(enrollment=enrollment, status=status, acting_user=acting_user)
    enrollment_reschedule_and_release(enrollment=current, now=now)
    return current


@transaction.atomic
def enrollment_activate(*, enrollment: Enrollment, acting_user, now: datetime) -> Enrollment:
    """Move a pending enrollment to active and open whatever is due at `now`, which is week 1
    on its start day (a cohort that starts later opens its week 1 on its own start day, from
    the sweep). What payment grants; audited. Raises EnrollmentError unless the enrollment is
    waiting for payment."""
    current = _move(
        enrollment=enrollment,
        status=S.ACTIVE,
        acting_user=acting_user,
        only_from=S.PENDING_PAYMENT,
    )
    fresh = Enrollment.objects.select_related("track", "cohort", "client").get(pk=current.pk)
    enrollment_release_due_modules(enrollment=fresh, now=now)
    return current


@transaction.atomic
def enrollment_place(*, enrollment: Enrollment, now: datetime) -> Enrollment:
    """Place an enrollment in the next cohort of its track with a free seat, or on rolling
    enrollment from the client's own today at `now`. Cohort rows are locked in start order, so
    concurrent placements never overfill a cohort."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=enrollment.pk)
    )
    # The client's own today: someone paying at 8:30 pm in New York starts today, not on the
    # next UTC day.
    today = enrollment.client.local_date(now)
    if enrollment.cohort_id is not None:
        return enrollment
    candidates = (
        Cohort.objects.select_for_update()
        .filter(track_id=enrollment.track_id, start_date__gte=today)
        .order_by("start_date", "pk")
    )
    for cohort in candidates:
        if cohort_seats_taken(cohort=cohort) < cohort.capacity:
            enrollment.cohort = cohort
            enrollment.start_date = cohort.start_date
            enrollment.save(update_fields=["cohort", "start_date"])
            publish(
                EnrollmentJoinedCohort(
                    enrollment_id=enrollment.pk,
                    client_id=enrollment.client_id,
                    cohort_id=cohort.pk,
                    acting_user_id=None,
                )
            )
            break
    else:
        enrollment.start_date = today
        enrollment.save(update_fields=["start_date"])
    return enrollment


# --- the administrators' console (ops): move, status with a reason, re-admit ----------------

# Re-admission takes a finished or withdrawn enrollment back to active. It is not in
# ALLOWED_TRANSITIONS on purpose: a generic status change (the Django admin, a clinician's
# pacing) must never reopen a closed program; only an administrator's deliberate re-admit with a
# reason and a fresh sign-in does (enrollment_readmit).
READMIT_FROM = frozenset({S.COMPLETED, S.WITHDRAWN})
# The reason is kept in the audit trail, whose values are short (audit.services).
REASON_MAX = 200


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise EnrollmentError("Give a reason for the change.")
    if len(reason) > REASON_MAX:
        raise EnrollmentError(f"Keep the reason under {REASON_MAX} characters.")
    return reason


@dataclass(frozen=True)
class WeekPreview:
    week: int
    title: str
    released: bool
    due_at: datetime


def enrollment_schedule_preview(
    *, enrollment: Enrollment, anchor: date, now: datetime
) -> list[WeekPreview]:
    """Each week of the enrollment's track with when it would open from `anchor` (a UTC instant
    due in the client's zone), and whether it is already open (an open week stays open)."""
    track = enrollment.track
    released = set(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module_id", flat=True)
    )
    weeks: list[WeekPreview] = []
    for module in track_structure(track=track):
        at = due_at(
            anchor=anchor,
            week=module.week,
            release_weekday=track.release_weekday,
            release_time=track.release_time,
            tz=enrollment.client.timezone,
            paused_days=enrollment.paused_days,
        )
        weeks.append(WeekPreview(module.week, module.title, module.pk in released, at))
    return weeks


@transaction.atomic
def enrollment_move(
    *, enrollment: Enrollment, cohort: Cohort, reason: str, acting_user, now: datetime
) -> Enrollment:
    """Move a live enrollment to another cohort of its track at `now`: the target cohort's row
    is locked, so two moves into its last seat place one; the schedule is re-anchored on the new
    cohort's start date (weeks already open stay open, whatever is due opens); audited with the
    reason. Raises EnrollmentError."""
    reason = _clean_reason(reason)
    current = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=enrollment.pk)
    )
    if current.status not in (S.PENDING_PAYMENT, S.ACTIVE, S.PAUSED):
        raise EnrollmentError("Only a current enrollment can move to another cohort.")
    target = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if target.track_id != current.track_id:
        raise EnrollmentError("That cohort runs another track.")
    if target.pk == current.cohort_id:
        raise EnrollmentError("This enrollment is already in that cohort.")
    if cohort_seats_taken(cohort=target) >= target.capacity:
        raise EnrollmentError("That cohort is full.")
    old_cohort = current.cohort_id
    current.cohort = target
    current.start_date = target.start_date
    current.save(update_fields=["cohort", "start_date"])
    audit_record(
        action="enrollment.moved",
        actor=acting_user,
        subject=current.client,
        target=current,
        metadata={"from_cohort": old_cohort, "to_cohort": target.pk, "reason": reason},
    )
    enrollment_reschedule_and_release(enrollment=current, now=now)
    current.refresh_from_db()
    return current


@transaction.atomic
def enrollment_close(
    *, enrollment: Enrollment, status: str, reason: str, acting_user, now: datetime
) -> Enrollment:
    """Withdraw or complete an enrollment at `now`, along the allowed-transition map, with a
    reason; weeks already open stay in the ledger; audited. Raises EnrollmentError."""
    reason = _clean_reason(reason)
    if status not in (S.WITHDRAWN, S.COMPLETED):
        raise EnrollmentError("Withdraw or complete only.")
    current = _move(enrollment=enrollment, status=status, acting_user=acting_user, reason=reason)
    enrollment_reschedule_and_release(enrollment=current, now=now)
    return current


@transaction.atomic
def enrollment_readmit(*, enrollment: Enrollment, reason: str, acting_user, now: datetime):
    """Take a completed or withdrawn enrollment back to active at `now` with a reason (see
    READMIT_FROM): whatever is due on its schedule opens; audited. Raises EnrollmentError, also
    when the client already has another current enrollment on the track, or when a withdrawn
    enrollment's cohort has no seat left for it (its row locked)."""
    reason = _clean_reason(reason)
    current = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if current.status not in READMIT_FROM:
        raise EnrollmentError(f"An enrollment cannot be re-admitted from {current.status}.")
    if current.cohort_id is not None and current.status not in SEAT_STATUSES:
        # A withdrawn enrollment gave its seat back: it needs one again.
        cohort = Cohort.objects.select_for_update().get(pk=current.cohort_id)
        if cohort_seats_taken(cohort=cohort) >= cohort.capacity:
            raise EnrollmentError(f"{cohort.name} is full; move the enrollment first.")
    old = current.status
    current.status = S.ACTIVE
    try:
        with transaction.atomic():
            current.save(update_fields=["status"])
    except IntegrityError:
        raise EnrollmentError(
            "This client already has a current enrollment on this track."
        ) from None
    enrollment.status = S.ACTIVE
    audit_record(
        action="enrollment.status_changed",
        actor=acting_user,
        subject=current.client,
        target=current,
        metadata={"from": old, "to": S.ACTIVE, "reason": reason},
    )
    enrollment_reschedule_and_release(enrollment=current, now=now)
    return current


# --- switching track (3 months to 6 months), keeping progress -------------------------------


@dataclass(frozen=True)
class CarriedWeek:
    title: str
    from_week: int
    to_week: int | None  # None: no module with the same slug on the new track


@dataclass(frozen=True)
class SwitchPlan:
    """What a track switch carries over: each open week and where it lands, and the counts of
    finished lessons and worksheets (every one must find its lesson on the new track)."""

    weeks: list[CarriedWeek]
    lessons_done: int
    worksheets: int
    module_map: dict[int, int]  # old module id -> new module id (every module with a twin)
    lesson_map: dict[int, int]  # old lesson id -> new lesson id
    missing: list[str]  # what would be lost: the reason a switch is refused

    @property
    def possible(self) -> bool:
        return not self.missing


def enrollment_switch_plan(*, enrollment: Enrollment, track: Track) -> SwitchPlan:
    """Map the enrollment's open weeks, progress and worksheets onto `track` by slug (modules
    shared between tracks have the same slug; their lessons too). Reads only."""
    new_modules = {m.slug: m for m in Module.objects.filter(track=track)}
    module_map: dict[int, int] = {}
    for old in Module.objects.filter(track_id=enrollment.track_id):
        twin = new_modules.get(old.slug)
        if twin is not None:
            module_map[old.pk] = twin.pk
    new_lessons = {
        (module_slug, slug): pk
        for pk, slug, module_slug in Lesson.objects.filter(module__track=track).values_list(
            "pk", "slug", "module__slug"
        )
    }
    lesson_map: dict[int, int] = {}
    for pk, slug, module_slug in Lesson.objects.filter(
        module__track_id=enrollment.track_id
    ).values_list("pk", "slug", "module__slug"):
        twin_pk = new_lessons.get((module_slug, slug))
        if twin_pk is not None:
            lesson_map[pk] = twin_pk
    new_weeks = dict(Module.objects.filter(track=track).values_list("pk", "week"))
    weeks: list[CarriedWeek] = []
    missing: list[str] = []
    for release in (
        ModuleRelease.objects.filter(enrollment=enrollment)
        .select_related("module")
        .order_by("module__week", "module__order")
    ):
        to = module_map.get(release.module_id)
        weeks.append(
            CarriedWeek(
                release.module.title,
                release.module.week,
                new_weeks.get(to) if to is not None else None,
            )
        )
        if to is None:
            missing.append(f"Week {release.module.week} ({release.module.title})")
    used = set(
        LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)
    ) | set(
        WorksheetResponse.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)
    )
    lost = used - set(lesson_map)
    if lost:
        missing.append(f"{len(lost)} lesson(s) with progress or worksheets")
    return SwitchPlan(
        weeks=weeks,
        lessons_done=LessonProgress.objects.filter(
            enrollment=enrollment, completed_at__isnull=False
        ).count(),
        worksheets=WorksheetResponse.objects.filter(enrollment=enrollment).count(),
        module_map=module_map,
        lesson_map=lesson_map,
        missing=missing,
    )


def _remap(queryset, field: str, mapping: dict[int, int]) -> None:
    """Point `field` of each row in `queryset` at its new id, in one UPDATE (rows whose id has
    no entry are left as they are)."""
    used = set(queryset.values_list(field, flat=True)) & set(mapping)
    if used:
        queryset.filter(**{f"{field}__in": used}).update(
            **{
                field: Case(
                    *(When(**{field: old}, then=Value(mapping[old])) for old in used),
                    default=F(field),
                    output_field=models.BigIntegerField(),
                )
            }
        )


@transaction.atomic
def enrollment_switch_track(
    *,
    enrollment: Enrollment,
    track: Track,
    cohort: Cohort | None = None,
    reason: str,
    acting_user,
    now: datetime,
) -> Enrollment:
    """Switch a current enrollment to another track of the same program and audience (the
    3-month core to the 6-month extended) at `now`, keeping its progress: every open week,
    finished lesson, SUDS rating and worksheet (with its versions) moves to the module or lesson
    of the same slug on the new track. The schedule keeps its anchor (or takes `cohort`'s start,
    a cohort of the new track with a free seat, locked); weeks already open stay open, and
    whatever the new track has due opens at once. Refused (EnrollmentError), with nothing
    changed, when anything open or written has no twin on the new track. Audited with the
    reason. Billing is not changed here."""
    reason = _clean_reason(reason)
    current = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("client", "track", "cohort")
        .get(pk=enrollment.pk)
    )
    if current.status not in (S.ACTIVE, S.PAUSED):
        raise EnrollmentError("Only an active or paused enrollment can switch track.")
    old_track = current.track
    if track.pk == old_track.pk:
        raise EnrollmentError("This enrollment is already on that track.")
    if track.program_id != old_track.program_id or track.audience != old_track.audience:
        raise EnrollmentError("Switch only between tracks of the same program and audience.")
    plan = enrollment_switch_plan(enrollment=current, track=track)
    if not plan.possible:
        raise EnrollmentError(
            "Some of this client's work has no place on that track: " + ", ".join(plan.missing)
        )
    anchor = current.anchor_date
    if cohort is not None:
        target = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if target.track_id != track.pk:
            raise EnrollmentError("That cohort runs another track.")
        if cohort_seats_taken(cohort=target) >= target.capacity:
            raise EnrollmentError("That cohort is full.")
        anchor = target.start_date
    current.track = track
    current.cohort = cohort
    current.start_date = anchor
    try:
        with transaction.atomic():
            current.save(update_fields=["track", "cohort", "start_date"])
    except IntegrityError:
        raise EnrollmentError(
            "This client already has a current enrollment on that track."
        ) from None
    _remap(ModuleRelease.objects.filter(enrollment=current), "module_id", plan.module_map)
    _remap(PacingAction.objects.filter(enrollment=current), "module_id", plan.module_map)
    _remap(LessonProgress.objects.filter(enrollment=current), "lesson_id", plan.lesson_map)
    _remap(WorksheetResponse.objects.filter(enrollment=current), "lesson_id", plan.lesson_map)
    audit_record(
        action="enrollment.track_switched",
        actor=acting_user,
        subject=current.client,
        target=current,
        metadata={
            "from_track": old_track.slug,
            "to_track": track.slug,
            "cohort": cohort.pk if cohort is not None else None,
            "weeks_carried": len(plan.weeks),
            "lessons_done": plan.lessons_done,
            "reason": reason,
        },
    )
    enrollment_reschedule_and_release(enrollment=current, now=now)
    current.refresh_from_db()
    return current
