"""The content preview: any week and lesson of any track, on the client's own templates, for
administrators and clinical staff, without an enrollment. Nothing here writes: the pages are
GET only, and their forms are drawn disabled, with no address to send them to."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import deny

from .preview import preview_lesson, preview_tracks, preview_week
from .selectors import LessonState
from .views import lesson_context

staff_preview = capability_required(Capability.ADMIN_CONSOLE, Capability.CASELOAD)

# A client who has not opened the lesson yet: no progress, no draft, no submitted version.
NOTHING_YET = LessonState(progress=None, draft=None, latest=None, versions=0)


@staff_preview
@require_GET
def tracks(request):
    """Every track, week by week, with each week's lessons and their retired or outline status."""
    return render(request, "courses/preview_tracks.html", {"tracks": preview_tracks()})


@staff_preview
@require_GET
def week(request, track_id: int, week: int):
    found = preview_week(track_id=track_id, week=week)
    if found is None:
        deny(user=request.user, target_type="courses.module", target_id=f"{track_id}/{week}")
    module = found.module
    context = {
        "preview": True,
        "module": module,
        "rows": [(lesson, None) for lesson in found.lessons],
        "program": module.track.program,
    }
    return render(request, "courses/module.html", context)


@staff_preview
@require_GET
def lesson(request, lesson_id: int):
    found = preview_lesson(lesson_id=lesson_id)
    if found is None:
        deny(user=request.user, target_type="courses.lesson", target_id=lesson_id)
    context = lesson_context(found, NOTHING_YET)
    context["preview"] = True
    return render(request, "courses/lesson.html", context)
