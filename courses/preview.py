"""Reads for the staff content preview: any track's weeks and lessons as a client sees them,
without an enrollment, retired and outline content included (the client pages read only live
content, through courses.content's cache). Each read is a fixed number of queries, however
large the track."""

from dataclasses import dataclass

from django.db.models import F, Prefetch

from .models import Lesson, Module, Track

_LESSON_FLAGS = ("id", "module_id", "order", "title", "kind", "minutes", "required", "retired_at")


def _lessons_in_order() -> Prefetch:
    return Prefetch("lessons", queryset=Lesson.objects.only(*_LESSON_FLAGS).order_by("order", "id"))


def preview_tracks() -> list[Track]:
    """Every track with its program, each with every module (retired ones too) in order and
    each module's lessons (titles and flags only) in order (3 queries)."""
    modules = Prefetch(
        "modules",
        queryset=Module.objects.only(
            "id", "track_id", "week", "order", "title", "status", "trauma_intense", "retired_at"
        )  # fmt: skip
        .order_by("week", "order", "id")
        .prefetch_related(_lessons_in_order()),
    )
    return list(
        Track.objects.select_related("program")
        .prefetch_related(modules)
        .order_by("program__title", "title", "id")
    )


@dataclass(frozen=True)
class PreviewWeek:
    module: Module
    lessons: list[Lesson]


def preview_week(*, track_id: int, week: int) -> PreviewWeek | None:
    """Week `week` of track `track_id`: its live module (a retired one when the week has no
    live module) with its track and program, and all its lessons in order (2 queries); None
    when the track has no such week."""
    module = (
        Module.objects.filter(track_id=track_id, week=week)
        .select_related("track__program")
        .order_by(F("retired_at").asc(nulls_first=True), "order", "id")  # the live one first
        .first()
    )
    if module is None:
        return None
    lessons = list(module.lessons.only(*_LESSON_FLAGS).order_by("order", "id"))
    return PreviewWeek(module=module, lessons=lessons)


def preview_lesson(*, lesson_id: int) -> Lesson | None:
    """Lesson `lesson_id`, retired or not, with its module, track and program (1 query)."""
    return Lesson.objects.filter(pk=lesson_id).select_related("module__track__program").first()
