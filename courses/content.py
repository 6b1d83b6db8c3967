"""The tracks' content as the client pages read it: structure, lessons and modules, cached per
process under each track's content token (load_curriculum gives a track a new token whenever its
content changes). The cached objects are shared between requests and must be treated as
read-only."""

from collections.abc import Callable
from typing import TypeVar, cast

from django.db.models import Prefetch

from .models import Lesson, Module, Track

T = TypeVar("T")


def _active_lessons() -> Prefetch:
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


def _track_content(track: Track, what: str, build: Callable[[], T]) -> T:
    key = (what, track.pk, track.content_token)
    if key not in _CONTENT_CACHE:
        if len(_CONTENT_CACHE) >= _CONTENT_CACHE_SIZE:
            _CONTENT_CACHE.clear()
        _CONTENT_CACHE[key] = build()
    return cast(T, _CONTENT_CACHE[key])  # stored by the build for this same key


def track_structure(*, track: Track) -> list[Module]:
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


def track_lessons(*, track: Track) -> dict[int, Lesson]:
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


def track_modules(*, track: Track) -> dict[int, Module]:
    """Every live module of the track by id, all fields, with its track and program joined;
    cached like `track_structure`."""
    return _track_content(
        track,
        "modules",
        lambda: {
            module.pk: module
            for module in Module.objects.filter(
                track_id=track.pk, retired_at__isnull=True
            ).select_related("track__program")
        },
    )


def module_lessons(*, module: Module) -> list[Lesson]:
    """A live module's live lessons in order, titles and flags only (from the cached structure;
    no query)."""
    return next(
        week.active_lessons for week in track_structure(track=module.track) if week == module
    )
