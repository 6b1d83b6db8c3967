"""Access to course content: a client opens only weeks released to them (the ledger decides)."""

from ehab import rawsql
from ehab.access import deny

from .content import track_lessons, track_modules
from .models import Enrollment, Lesson, ModuleRelease, Track


def _newest_release(*, user, module_sql: str, param: int):
    """(release, track) for the user's newest enrollment holding a release of the module that
    `module_sql` names (it takes `param`), with the enrollment on the release; or None. One
    hand-written query: every week and lesson visit makes it (ehab/rawsql.py)."""
    found = rawsql.fetch(
        f"SELECT {rawsql.columns(ModuleRelease, 'r')}, {rawsql.columns(Enrollment, 'e')}, "  # noqa: S608 - names from the models, values bound
        f"{rawsql.columns(Track, 't')} FROM {rawsql.table(ModuleRelease)} r "
        f"JOIN {rawsql.table(Enrollment)} e ON e.id = r.enrollment_id "
        f"JOIN {rawsql.table(Track)} t ON t.id = e.track_id "
        f"WHERE e.client_id = %s AND r.module_id = {module_sql} "
        "ORDER BY e.created_at DESC LIMIT 1",
        [user.pk, param],
        ModuleRelease,
        Enrollment,
        Track,
    )
    if not found:
        return None
    release, enrollment, track = found[0]
    enrollment.track = track
    enrollment.client = user
    release.enrollment = enrollment
    return release, track


def access_module(*, user, module_id, for_write: bool = False) -> ModuleRelease:
    """The release row through which `user` may open module `module_id`, or a denied 404 (one
    query; the module, its track and program come from the track's cached content).

    A locked week (not in the ledger), a retired one, another person's week and a missing one
    look the same.
    """
    found = _newest_release(user=user, module_sql="%s", param=int(module_id))
    module = None
    if found:
        release, track = found
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
    found = _newest_release(
        user=user,
        module_sql=(
            f"(SELECT module_id FROM {rawsql.table(Lesson)} "  # noqa: S608 - names from the models, values bound
            "WHERE id = %s AND retired_at IS NULL)"
        ),
        param=int(lesson_id),
    )
    lesson = None
    if found:
        release, track = found
        lesson = track_lessons(track=track).get(int(lesson_id))
    if lesson is None:
        deny(user=user, target_type="courses.lesson", target_id=lesson_id, for_write=for_write)
    release.module = lesson.module  # the cached module, with its track and program
    return lesson, release
