"""Reads for the client's course pages. Each returns what a page needs in a fixed number of
queries, however many weeks or lessons the track has and however much progress exists."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Prefetch, Q

from accounts.models import User

from . import queries
from .content import track_structure
from .models import (
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    Module,
    WorksheetFeedback,
    WorksheetResponse,
)
from .schedule import module_due_at
from .worksheets import version_anchor


@dataclass
class ClientEnrollments:
    """A client's live enrollments as their pages show them."""

    # The newest active or paused enrollment: the program the course pages show.
    current: Enrollment | None
    # The newest one waiting for payment: not a program yet (no schedule, no weeks), only the
    # way back to paying.
    unfinished: Enrollment | None


def client_enrollments(*, client) -> ClientEnrollments:
    """The client's current and unfinished enrollments, each with its track and cohort (1
    query, hand-written: every client page starts here; courses/queries.py). A client has at
    most one live enrollment per track, so the rows are few."""
    current = unfinished = None
    for enrollment in queries.live_enrollments(client=client):
        if enrollment.status == EnrollmentStatus.PENDING_PAYMENT:
            unfinished = unfinished or enrollment
        else:
            current = current or enrollment
    return ClientEnrollments(current=current, unfinished=unfinished)


@dataclass
class ModuleState:
    module: Module
    lessons: list[Lesson]
    released: bool
    due_at: datetime
    required_total: int
    required_done: int
    held: bool = False  # a clinician holds this week (the client is told it waits, never why)

    @property
    def completed(self) -> bool:
        return self.released and self.required_done >= self.required_total

    @property
    def state(self) -> str:
        if self.completed:
            return "completed"
        return "released" if self.released else "locked"


@dataclass(frozen=True)
class WeekIds:
    """What the enrollment's weeks come to: module ids released and held, lesson ids done."""

    released: set[int]
    done: set[int]
    held: set[int]


def week_ids(*, enrollment: Enrollment) -> WeekIds:
    """The enrollment's released and held module ids and completed lesson ids (1 query,
    hand-written: the home page and the map need it on every visit)."""
    found = queries.released_and_done(enrollment_id=enrollment.pk)
    return WeekIds(set(found.module_ids), set(found.lesson_ids), set(found.held_module_ids))


def released_and_done(*, enrollment: Enrollment) -> tuple[set[int], set[int]]:
    """The ids of the enrollment's released modules and completed lessons (1 query)."""
    found = week_ids(enrollment=enrollment)
    return found.released, found.done


def program_map(*, enrollment: Enrollment, progress: WeekIds | None = None) -> list[ModuleState]:
    """Every week of the enrollment's track: released, held or locked, with progress (1 query
    with the track's structure cached; none when the caller passes `week_ids`)."""
    modules = track_structure(track=enrollment.track)
    ids = progress or week_ids(enrollment=enrollment)
    states = []
    for module in modules:
        required = [lesson for lesson in module.active_lessons if lesson.required]
        states.append(
            ModuleState(
                module=module,
                lessons=module.active_lessons,
                released=module.pk in ids.released,
                due_at=module_due_at(enrollment=enrollment, module=module),
                required_total=len(required),
                required_done=sum(1 for lesson in required if lesson.pk in ids.done),
                held=module.pk in ids.held and module.pk not in ids.released,
            )
        )
    return states


# Why a week that is due is not open yet, as the client is told.
WAITING_PAUSED = "paused"  # the program is paused
WAITING_HOLD = "hold"  # a clinician holds this week
WAITING_BILLING = "billing"  # new weeks wait on billing (released ones stay open)
WAITING_PREVIOUS = "previous_week"  # the track asks for the week before to be finished
WAITING_SWEEP = "opening"  # due this minute; the next sweep or visit opens it


def weeks_waiting(*, enrollment: Enrollment, weeks: list[ModuleState], now: datetime) -> dict:
    """Module id → why it waits, for every week not open that will not open on its date as
    things stand, so that no page promises a date that will not come: every locked week of a
    paused program (resuming moves the schedule), every held week whenever it is due, and each
    week already due at `now` but not open. No query: holds come with the weeks."""
    locked = [w for w in weeks if not w.released]
    if enrollment.status == EnrollmentStatus.PAUSED:
        return {w.module.pk: WAITING_PAUSED for w in locked}
    billing = enrollment.new_weeks_held_for_billing
    reasons = {}
    for week in locked:
        if week.held:
            reasons[week.module.pk] = WAITING_HOLD
        elif week.due_at > now:
            continue
        elif billing:
            reasons[week.module.pk] = WAITING_BILLING
        elif enrollment.track.requires_previous_completion:
            reasons[week.module.pk] = WAITING_PREVIOUS
        else:
            reasons[week.module.pk] = WAITING_SWEEP
    return reasons


@dataclass(frozen=True)
class NextWeek:
    """What the client's home page says about the weeks to come, never why a clinician chose
    it: the first locked week when it waits (and the reason code for its neutral line), and the
    week that opens next on its date, if one will."""

    waiting: ModuleState | None
    waiting_reason: str
    opens: ModuleState | None


def next_week(*, enrollment: Enrollment, weeks: list[ModuleState], now: datetime) -> NextWeek:
    """The next week as the client is told it. Held weeks are skipped (the schedule goes on
    around them), so with week 6 held the next week to open may be week 7; a week that waits
    for anything else (a pause, billing, the week before) stops the count, since no later week
    opens before it. No query."""
    waiting = weeks_waiting(enrollment=enrollment, weeks=weeks, now=now)
    locked = [w for w in weeks if not w.released]
    first = locked[0] if locked else None
    reason = waiting.get(first.module.pk, "") if first else ""
    opens = None
    for week in locked:
        why = waiting.get(week.module.pk)
        if why == WAITING_HOLD:
            continue
        if why is None:
            opens = week
        break
    return NextWeek(waiting=first if reason else None, waiting_reason=reason, opens=opens)


@dataclass(frozen=True)
class NextStep:
    """A lesson the client can open next, with its week (the cached module)."""

    lesson: Lesson
    module: Module


def _open_lessons(weeks: list[ModuleState]):
    """(week, lesson) for every lesson of the open weeks, in program order: week by week, each
    week's lessons in their order. Held and locked weeks are not open, so they are skipped."""
    for week in weeks:
        if week.released:
            for lesson in week.lessons:
                yield week, lesson


def resume_step(*, weeks: list[ModuleState], done: set[int]) -> NextStep | None:
    """Where the client picks up: the earliest unfinished required lesson of the open weeks (so
    weeks 1 to 3 left untouched come before this week's), or, when every required lesson is
    done, the earliest unfinished optional one. No query."""
    unfinished = [(w, lesson) for w, lesson in _open_lessons(weeks) if lesson.pk not in done]
    if not unfinished:
        return None
    week, lesson = next(((w, one) for w, one in unfinished if one.required), unfinished[0])
    return NextStep(lesson=lesson, module=week.module)


def next_step_after(*, weeks: list[ModuleState], done: set[int], lesson_id: int) -> NextStep | None:
    """The lesson after `lesson_id` in program order that the client can open and has not
    finished: later in its week, else the first unfinished lesson of the next open week (held
    and locked weeks skipped). None when no open lesson after it is left, or when `lesson_id`
    is not in the open weeks. No query."""
    seen = False
    for week, lesson in _open_lessons(weeks):
        if seen and lesson.pk not in done:
            return NextStep(lesson=lesson, module=week.module)
        seen = seen or lesson.pk == lesson_id
    return None


def next_lesson_after(*, enrollment: Enrollment, lesson_id: int) -> NextStep | None:
    """`next_step_after` for the enrollment as it stands (1 hand-written query: its released
    weeks and finished lessons; the structure is cached)."""
    ids = week_ids(enrollment=enrollment)
    return next_step_after(
        weeks=program_map(enrollment=enrollment, progress=ids), done=ids.done, lesson_id=lesson_id
    )


@dataclass
class Overview:
    weeks: list[ModuleState]
    current: ModuleState | None
    next_step: NextStep | None
    next_locked: ModuleState | None
    done_required: int
    total_required: int

    @property
    def next_lesson(self) -> Lesson | None:
        return self.next_step.lesson if self.next_step else None

    @property
    def percent(self) -> int:
        if not self.total_required:
            return 0
        return round(100 * self.done_required / self.total_required)


def course_overview(*, enrollment: Enrollment) -> Overview:
    """The home page's view: this week (the newest open one), where to pick up (the earliest
    unfinished lesson of the open weeks: `resume_step`), progress, the next unlock (1 query)."""
    ids = week_ids(enrollment=enrollment)
    weeks = program_map(enrollment=enrollment, progress=ids)
    released = [w for w in weeks if w.released]
    current = released[-1] if released else None
    next_locked = next((w for w in weeks if not w.released), None)
    total = sum(w.required_total for w in weeks)
    done_required = sum(w.required_done for w in weeks)
    return Overview(
        weeks,
        current,
        resume_step(weeks=weeks, done=ids.done),
        next_locked,
        done_required,
        total,
    )


def lesson_progress_for(*, enrollment: Enrollment, lessons) -> dict[int, LessonProgress]:
    """Progress rows keyed by lesson id, for a list of lessons (1 hand-written query)."""
    return queries.lesson_progress(
        enrollment_id=enrollment.pk, lesson_ids=[lesson.pk for lesson in lessons]
    )


@dataclass
class LessonState:
    progress: LessonProgress | None
    draft: WorksheetResponse | None
    latest: WorksheetResponse | None  # the newest submitted version
    versions: int  # how many versions were submitted


def lesson_state(*, enrollment: Enrollment, lesson: Lesson) -> LessonState:
    """The client's progress on one lesson and its worksheet's draft and submitted versions
    (1 hand-written query: every lesson visit makes it)."""
    found = queries.lesson_rows(enrollment_id=enrollment.pk, lesson_id=lesson.pk)
    rows = found.worksheets
    draft = next((r for r in rows if r.status == WorksheetResponse.Status.DRAFT), None)
    submitted = [r for r in rows if r.status == WorksheetResponse.Status.SUBMITTED]
    latest = max(submitted, key=lambda r: r.version or 0, default=None)
    return LessonState(found.progress, draft, latest, len(submitted))


@dataclass(frozen=True)
class SubmittedWork:
    """One submitted version on the client's My work page, with the element id a message link
    lands on, and the care team's replies to it (their words and when; never who wrote them,
    nor whether or when anyone read the version)."""

    response: WorksheetResponse
    anchor: str
    replies: list[WorksheetFeedback]


def submitted_work_for(*, client) -> list[SubmittedWork]:
    """The client's own submitted worksheets, newest version first within each lesson, ordered
    by track, week and lesson, with lesson and module joined and the care team's replies (2
    queries, however many versions and replies)."""
    replies = Prefetch(
        "feedback",
        queryset=WorksheetFeedback.objects.only("id", "response_id", "text", "created_at").order_by(
            "created_at", "id"
        ),
        to_attr="replies",
    )
    responses = (
        WorksheetResponse.objects.submitted()
        .filter(enrollment__client=client)
        .select_related("lesson__module__track", "enrollment")
        .prefetch_related(replies)
        .order_by(
            "lesson__module__track__title",
            "lesson__module__week",
            "lesson__order",
            "-version",
        )
    )
    return [
        SubmittedWork(response=r, anchor=version_anchor(r.pk), replies=r.replies) for r in responses
    ]


@dataclass(frozen=True)
class SudsReading:
    """One lesson's distress ratings (0 to 10) as the client gave them, before and after; `on`
    is the client's own day the lesson was done (or started, if it is not done yet)."""

    number: int  # its place in order: the chart's label for it
    lesson: str
    week: int
    on: date | None
    done: bool
    before: int | None
    after: int | None

    @property
    def change(self) -> int | None:
        """After minus before, when the lesson has both."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def suds_readings(*, client: User) -> list[SudsReading]:
    """The client's own ratings, every lesson that asks for one and has one, across their
    enrollments, in the order the lessons were done (one not done yet last, by when it was
    started); days in the client's zone (1 query, however many there are)."""
    zone = ZoneInfo(client.timezone)
    rows = (
        LessonProgress.objects.filter(enrollment__client=client, lesson__suds=True)
        .filter(Q(suds_before__isnull=False) | Q(suds_after__isnull=False))
        .select_related("lesson__module")
        .only(
            "started_at",
            "completed_at",
            "suds_before",
            "suds_after",
            "lesson__title",
            "lesson__module__week",
        )
        .order_by(
            F("completed_at").asc(nulls_last=True), F("started_at").asc(nulls_last=True), "id"
        )
    )
    readings = []
    for number, row in enumerate(rows, start=1):
        moment = row.completed_at or row.started_at
        readings.append(
            SudsReading(
                number=number,
                lesson=row.lesson.title,
                week=row.lesson.module.week,
                on=moment.astimezone(zone).date() if moment else None,
                done=row.completed_at is not None,
                before=row.suds_before,
                after=row.suds_after,
            )
        )
    return readings


INACTIVE_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class InactiveClient:
    client: User
    since: date  # the day of their last sign-in (or of enrolling, if they never signed in)


def inactive_clients(*, now: datetime) -> list[InactiveClient]:
    """Clients of active enrollments with no sign-in for INACTIVE_AFTER at `now` (1 query)."""
    enrollments = (
        Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
        .filter(
            Q(client__last_login__lte=now - INACTIVE_AFTER)
            | Q(client__last_login__isnull=True, created_at__lte=now - INACTIVE_AFTER)
        )
        .select_related("client")
    )
    found: dict[int, InactiveClient] = {}
    for enrollment in enrollments:
        client = enrollment.client
        found[client.pk] = InactiveClient(
            client, (client.last_login or enrollment.created_at).date()
        )
    return list(found.values())
