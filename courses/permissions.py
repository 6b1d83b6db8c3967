"""Access to course content: a client opens only weeks released to them (the ledger decides)."""

from audit.access import deny

from . import queries
from .content import track_lessons, track_modules
from .models import Lesson, ModuleRelease


def access_module(*, user, module_id, for_write: bool = False) -> ModuleRelease:
    """The release row through which `user` may open module `module_id`, or a denied 404 (one
    query; the module, its track and program come from the track's cached content).

    A locked week (not in the ledger), a retired one, another person's week and a missing one
    look the same.
    """
    found = queries.open_release_of_module(user=user, module_id=int(module_id))
    module = None
    if found:
        release, track = found.release, found.track
        # A week withdrawn from the curriculum (retired) is gone with its lessons; what the
        # client wrote for it stays in My work.
        module = track_modules(track=track).get(release.module_id)
    if module is None:
        deny(user=user, target_type="courses.module", target_id=module_id, for_write=for_write)
    release.module = module
    return release


def access_lesson(*, user, lesson_id, for_write: bool = False) -> tuple[Lesson, ModuleRelease]:
    """The lesson and the release that opens it for `user`, or a denied 404 (one query; the
    lesson itself comes from the track's cached content)."""
    found = queries.open_release_of_lesson(user=user, lesson_id=int(lesson_id))
    lesson = None
    if found:
        release, track = found.release, found.track
        lesson = track_lessons(track=track).get(int(lesson_id))
    if lesson is None:
        deny(user=user, target_type="courses.lesson", target_id=lesson_id, for_write=for_write)
    release.module = lesson.module  # the cached module, with its track and program
    return lesson, release
