"""Reads for the client's course pages. Each returns what a page needs in a fixed number of
queries, however many weeks or lessons the track has and however much progress exists."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Value

from care.models import WorksheetResponse

from .models import (
    LIVE_STATUSES,
    Enrollment,
    Lesson,
    LessonProgress,
    Module,
    ModuleRelease,
)
from .services.releases import module_due_at


def current_enrollment_for(*, client) -> Enrollment | None:
    """The client's live enrollment (the newest, if several), with its track and cohort."""
    enrollment = (
        Enrollment.objects.filter(client=client, status__in=LIVE_STATUSES)
        .select_related("track", "cohort")
        .order_by("-created_at")
        .first()
    )
    if enrollment is not None:
        enrollment.client = client  # the same person; spares a join
    return enrollment


@dataclass
class ModuleState:
    module: Module
    lessons: list[Lesson]
    released: bool
    due_at: datetime
    required_total: int
    required_done: int

    @property
    def completed(self) -> bool:
        return self.released and self.required_done >= self.required_total

    @property
    def state(self) -> str:
        if self.completed:
            return "completed"
        return "released" if self.released else "locked"


def _active_lessons():
    # The map and home need titles and flags, never the bodies.
    return Prefetch(
        "lessons",
        queryset=Lesson.objects.filter(retired_at__isnull=True)
        .only("id", "module_id", "order", "title", "kind", "minutes", "required")
        .order_by("order"),
        to_attr="active_lessons",
    )


# Track content changes only through load_curriculum, which gives the track a new content
# token, so each process keeps it under (what, track id, token). The cached objects are shared
# between requests and must be treated as read-only.
_CONTENT_CACHE: dict[tuple[str, int, str], object] = {}
_CONTENT_CACHE_SIZE = 128


def _track_content(track, what: str, build):
    key = (what, track.pk, track.content_token)
    if key not in _CONTENT_CACHE:
        if len(_CONTENT_CACHE) >= _CONTENT_CACHE_SIZE:
            _CONTENT_CACHE.clear()
        _CONTENT_CACHE[key] = build()
    return _CONTENT_CACHE[key]


def track_structure(*, track) -> list[Module]:
    """The track's live modules in order, each with `active_lessons` (titles and flags only);
    2 queries on a cache miss, none after."""
    return _track_content(
        track,
        "structure",
        lambda: list(
            Module.objects.filter(track_id=track.pk, retired_at__isnull=True)
            .only(
                "id", "track_id", "week", "order", "title", "summary", "trauma_intense", "status"
            )  # fmt: skip
            .order_by("week", "order")
            .prefetch_related(_active_lessons())
        ),
    )


def track_lessons(*, track) -> dict[int, Lesson]:
    """Every live lesson of the track by id, with bodies, each with its module and the program
    joined; cached like `track_structure`."""
    return _track_content(
        track,
        "lessons",
        lambda: {
            lesson.pk: lesson
            for lesson in Lesson.objects.filter(
                module__track_id=track.pk, retired_at__isnull=True, module__retired_at__isnull=True
            ).select_related("module__track__program")
        },
    )


def released_and_done(*, enrollment: Enrollment) -> tuple[set[int], set[int]]:
    """The ids of the enrollment's released modules and completed lessons, in one query."""
    released = ModuleRelease.objects.filter(enrollment=enrollment).values_list(
        "module_id", Value("r")
    )
    done = LessonProgress.objects.filter(
        enrollment=enrollment, completed_at__isnull=False
    ).values_list("lesson_id", Value("d"))
    module_ids, lesson_ids = set(), set()
    for pk, kind in released.union(done, all=True):
        (module_ids if kind == "r" else lesson_ids).add(pk)
    return module_ids, lesson_ids


def program_map(
    *, enrollment: Enrollment, progress: tuple[set[int], set[int]] | None = None
) -> list[ModuleState]:
    """Every week of the enrollment's track: released or locked, with progress (1 query with
    the track's structure cached; none when the caller passes `released_and_done`)."""
    modules = track_structure(track=enrollment.track)
    released, done = progress or released_and_done(enrollment=enrollment)
    states = []
    for module in modules:
        required = [lesson for lesson in module.active_lessons if lesson.required]
        states.append(
            ModuleState(
                module=module,
                lessons=module.active_lessons,
                released=module.pk in released,
                due_at=module_due_at(enrollment=enrollment, module=module),
                required_total=len(required),
                required_done=sum(1 for lesson in required if lesson.pk in done),
            )
        )
    return states


@dataclass
class Overview:
    weeks: list[ModuleState]
    current: ModuleState | None
    next_lesson: Lesson | None
    next_locked: ModuleState | None
    done_required: int
    total_required: int

    @property
    def percent(self) -> int:
        if not self.total_required:
            return 0
        return round(100 * self.done_required / self.total_required)


def course_overview(*, enrollment: Enrollment) -> Overview:
    """The home page's view: this week, what to do next, progress, the next unlock."""
    released_ids, done = released_and_done(enrollment=enrollment)
    weeks = program_map(enrollment=enrollment, progress=(released_ids, done))
    released = [w for w in weeks if w.released]
    # This week is the newest open week; the next step is in it first, then in earlier weeks
    # left unfinished, oldest first.
    current = released[-1] if released else None
    next_lesson = None
    for week in ([current] if current else []) + released[:-1]:
        next_lesson = next((lesson for lesson in week.lessons if lesson.pk not in done), None)
        if next_lesson:
            break
    next_locked = next((w for w in weeks if not w.released), None)
    total = sum(w.required_total for w in weeks)
    done = sum(w.required_done for w in weeks)
    return Overview(weeks, current, next_lesson, next_locked, done, total)


def lesson_progress_for(*, enrollment: Enrollment, lessons) -> dict[int, LessonProgress]:
    """Progress rows keyed by lesson id, for a list of lessons."""
    return {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(
            enrollment=enrollment, lesson_id__in=[lesson.pk for lesson in lessons]
        )
    }


def worksheet_state(*, enrollment: Enrollment, lesson: Lesson):
    """(draft or None, latest submitted version or None, count of versions) for a lesson."""
    rows = list(
        WorksheetResponse.objects.filter(enrollment=enrollment, lesson=lesson).order_by("-version")
    )
    draft = next((r for r in rows if r.status == WorksheetResponse.Status.DRAFT), None)
    submitted = [r for r in rows if r.status == WorksheetResponse.Status.SUBMITTED]
    return draft, (submitted[0] if submitted else None), len(submitted)


def submitted_work_for(*, client):
    """The client's own submitted worksheets, newest version first within each lesson, ordered
    by track, week and lesson, with lesson and module joined (1 query)."""
    return (
        WorksheetResponse.objects.submitted()
        .filter(enrollment__client=client)
        .select_related("lesson__module__track", "enrollment")
        .order_by(
            "lesson__module__track__title",
            "lesson__module__week",
            "lesson__order",
            "-version",
        )
    )
