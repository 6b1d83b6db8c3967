"""Access to course content: a client opens only weeks released to them (the ledger decides)."""

from ehab.access import deny

from .models import Lesson, ModuleRelease


def access_module(*, user, module_id, for_write: bool = False) -> ModuleRelease:
    """The release row through which `user` may open module `module_id`, or a denied 404.

    A locked week (not in the ledger), another person's week and a missing one look the same.
    """
    release = (
        ModuleRelease.objects.filter(enrollment__client_id=user.pk, module_id=module_id)
        .select_related("module__track__program", "enrollment")
        .order_by("-enrollment__created_at")
        .first()
    )
    if release is None:
        deny(user=user, target_type="courses.module", target_id=module_id, for_write=for_write)
    release.enrollment.client = user
    return release


def access_lesson(*, user, lesson_id, for_write: bool = False) -> tuple[Lesson, ModuleRelease]:
    """The lesson and the release that opens it for `user`, or a denied 404 (one query; the
    lesson itself comes from the track's cached content)."""
    from .selectors import track_lessons

    release = (
        ModuleRelease.objects.filter(
            enrollment__client_id=user.pk,
            module__lessons__id=lesson_id,
            module__lessons__retired_at__isnull=True,
        )
        .select_related("enrollment", "module__track")
        .order_by("-enrollment__created_at")
        .first()
    )
    lesson = None
    if release is not None:
        lesson = track_lessons(track=release.module.track).get(int(lesson_id))
    if lesson is None:
        deny(user=user, target_type="courses.lesson", target_id=lesson_id, for_write=for_write)
    release.enrollment.client = user
    return lesson, release
