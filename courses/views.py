"""The client's course pages: home, program map, a week, a lesson, worksheets, "My work".

Each view: one access check, one service or selector, render or redirect (docs/architecture.md,
"Inside every app").
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability

from .charts import suds_chart
from .content import module_lessons
from .forms import SUDS_VALUES, SudsForm, WorksheetForm
from .home import home_panels
from .markdown import split_transcript
from .models import EnrollmentStatus, LessonKind
from .permissions import access_lesson, access_module
from .selectors import (
    WAITING_BILLING,
    WAITING_HOLD,
    WAITING_PAUSED,
    WAITING_PREVIOUS,
    WAITING_SWEEP,
    LessonState,
    client_enrollments,
    course_overview,
    lesson_progress_for,
    lesson_state,
    next_lesson_after,
    next_week,
    program_map,
    submitted_work_for,
    suds_readings,
    week_ids,
    weeks_waiting,
)
from .services.progress import ProgressError, lesson_complete, lesson_defer, lesson_start
from .services.releases import enrollment_release_due_modules, release_mark_content_note_seen
from .services.worksheets import worksheet_save_draft, worksheet_submit

own_program = capability_required(Capability.OWN_PROGRAM)


def _only(request, *methods):
    """After the access check: refuse other methods with 405 (outsiders already got 404)."""
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


@own_program
@require_GET
def dashboard(request):
    """Home: this week and what to do next. Opening it releases whatever is due (lazy path).
    An enrollment still waiting for payment shows only the way back to paying."""
    enrollments = client_enrollments(client=request.user)
    enrollment = enrollments.current
    context: dict[str, object] = {"enrollment": enrollment, "unfinished": enrollments.unfinished}
    if enrollment is not None:
        now = timezone.now()
        overview = course_overview(enrollment=enrollment)
        # The lazy release check writes only when a week is due and not yet in the ledger, so
        # a stopped worker never delays access and an ordinary visit costs no extra queries.
        if overview.next_locked and overview.next_locked.due_at <= now:
            enrollment_release_due_modules(enrollment=enrollment, now=now)
            overview = course_overview(enrollment=enrollment)
        context["overview"] = overview
        # The weeks to come in neutral words: a week that waits says so (never why a clinician
        # chose it, never an opening time that will not come), and the week that opens next on
        # its date says when, in the client's own zone.
        upcoming = next_week(enrollment=enrollment, weeks=overview.weeks, now=now)
        context["paused"] = enrollment.status == EnrollmentStatus.PAUSED
        context["next_waiting"] = WAITING_TEXT.get(upcoming.waiting_reason, "")
        context["upcoming"] = upcoming
        context["panels"] = home_panels(client=request.user, now=now)
    return render(request, "courses/dashboard.html", context)


def _opens(when) -> str:
    """'Mon, Nov 30 at 6:00 AM' in the active (the client's) time zone."""
    local = timezone.localtime(when)
    meridiem = "AM" if local.hour < 12 else "PM"
    return f"{local:%a, %b} {local.day} at {local.hour % 12 or 12}:{local:%M} {meridiem}"


WAITING_TEXT = {
    WAITING_PAUSED: "Waiting while your program is paused",
    WAITING_HOLD: "Waiting: your clinician is holding this week for now",
    WAITING_BILLING: "Waiting on a billing matter",
    WAITING_PREVIOUS: "Opens when you finish the week before",
    WAITING_SWEEP: "Opening now",
}


def _map_rows(weeks, waiting: dict[int, str], done: set[int]) -> list[dict]:
    """The map's rows as plain strings. A track has up to 24 weeks and Django's template engine
    reads a dict key several times faster than an attribute or a filter, so the per-week work
    happens here once (bench/course.py). An open week carries its progress bar (the required
    lessons done, in words beside it) and its lessons, each marked when done."""
    rows = []
    for w in weeks:
        row = {"state": w.state, "week": str(w.module.week), "title": w.module.title}
        if w.released:
            total, finished = w.required_total, w.required_done
            row["url"] = reverse("courses:module", args=[w.module.pk])
            row["status"] = "Completed" if w.completed else "Open"
            row["done_text"] = f"{finished} of {total} lesson{'s' if total != 1 else ''} done"
            row["bar"] = str(round(100 * finished / total) if total else 100)
            row["lessons"] = [
                {
                    "title": lesson.title,
                    "url": reverse("courses:lesson", args=[lesson.pk]),
                    "done": lesson.pk in done,
                    "optional": not lesson.required,
                }
                for lesson in w.lessons
            ]
        elif w.module.pk in waiting:
            row["url"] = ""
            row["status"] = WAITING_TEXT[waiting[w.module.pk]]
        else:
            row["url"] = ""
            row["status"] = f"Opens {_opens(w.due_at)}"
        rows.append(row)
    return rows


@own_program
@require_GET
def map_view(request):
    enrollments = client_enrollments(client=request.user)
    enrollment = enrollments.current
    rows = []
    if enrollment:
        ids = week_ids(enrollment=enrollment)
        weeks = program_map(enrollment=enrollment, progress=ids)
        waiting = weeks_waiting(enrollment=enrollment, weeks=weeks, now=timezone.now())
        rows = _map_rows(weeks, waiting, ids.done)
    return render(
        request,
        "courses/program_map.html",
        {"enrollment": enrollment, "unfinished": enrollments.unfinished, "rows": rows},
    )


@own_program
def module_detail(request, module_id: int):
    release = access_module(user=request.user, module_id=module_id)
    if refused := _only(request, "GET"):
        return refused
    module = release.module
    if module.trauma_intense and release.content_note_seen_at is None:
        return render(request, "courses/content_note.html", {"module": module})
    lessons = module_lessons(module=module)
    progress = lesson_progress_for(enrollment=release.enrollment, lessons=lessons)
    rows = [(lesson, progress.get(lesson.pk)) for lesson in lessons]
    context = {"module": module, "rows": rows, "program": module.track.program}
    # Arriving from a lesson just finished (?done=<its id>): offer the next one to open.
    done = request.GET.get("done", "")
    finished = next((lesson for lesson in lessons if str(lesson.pk) == done), None)
    if finished is not None:
        context["finished"] = finished
        context["up_next"] = next_lesson_after(enrollment=release.enrollment, lesson_id=finished.pk)
    return render(request, "courses/module.html", context)


@own_program
def module_ready(request, module_id: int):
    """The client chose to open a trauma-intense week after reading its content note."""
    release = access_module(user=request.user, module_id=module_id, for_write=True)
    if refused := _only(request, "POST"):
        return refused
    release_mark_content_note_seen(release=release, now=timezone.now())
    return redirect("courses:module", module_id=module_id)


READ_ALOUD_KINDS = frozenset({LessonKind.AUDIO, LessonKind.VIDEO})


def lesson_context(lesson, state: LessonState, *, form=None) -> dict:
    """The lesson page's context from the lesson and the client's state on it (the content
    preview passes an empty state: no progress, no draft, no versions)."""
    context = {
        "lesson": lesson,
        "module": lesson.module,
        "program": lesson.module.track.program,
        "progress": state.progress,
        "suds_values": SUDS_VALUES,
        # A guided practice or walk-through has no recording: its transcript is the lesson,
        # and the page offers to read it aloud with the device's own voice.
        "body": split_transcript(lesson.body_html) if lesson.kind in READ_ALOUD_KINDS else None,
    }
    if lesson.has_worksheet:
        if form is None:
            source = state.draft or state.latest
            form = WorksheetForm(
                lesson.prompts,
                initial=dict(source.answers) if source else {},
                draft_id=state.draft.pk if state.draft else None,
            )
        context.update(
            worksheet=form,
            draft=state.draft,
            latest=state.latest,
            versions=state.versions,
        )
    return context


@own_program
def lesson_detail(request, lesson_id: int):
    lesson, release = access_lesson(user=request.user, lesson_id=lesson_id)
    if refused := _only(request, "GET"):
        return refused
    if lesson.module.trauma_intense and release.content_note_seen_at is None:
        return redirect("courses:module", module_id=lesson.module_id)
    state = lesson_state(enrollment=release.enrollment, lesson=lesson)
    return render(request, "courses/lesson.html", lesson_context(lesson, state))


def _suds(request):
    form = SudsForm(request.POST)
    if not form.is_valid():
        raise ProgressError("Choose a number from 0 to 10, or leave it blank.")
    return form.cleaned_data["suds"]


def _rate(request, service, lesson, release, rating: str) -> bool:
    """Record the lesson's start or finish with its SUDS rating through `service`; False (with
    the reason as a message, nothing stored) when the rating is refused."""
    try:
        service(
            enrollment=release.enrollment,
            lesson=lesson,
            acting_user=request.user,
            now=timezone.now(),
            **{rating: _suds(request)},
        )
    except ProgressError as exc:
        messages.error(request, str(exc))
        return False
    return True


@own_program
def lesson_begin(request, lesson_id: int):
    """Begin a lesson, with the SUDS rating before."""
    lesson, release = access_lesson(user=request.user, lesson_id=lesson_id, for_write=True)
    if refused := _only(request, "POST"):
        return refused
    _rate(request, lesson_start, lesson, release, "suds_before")
    return redirect("courses:lesson", lesson_id=lesson.pk)


@own_program
def lesson_finish(request, lesson_id: int):
    """Mark a lesson done, with the SUDS rating after, and go on to "Up next" on its week. On a
    lesson already done (its worksheet was submitted) this saves the rating after."""
    lesson, release = access_lesson(user=request.user, lesson_id=lesson_id, for_write=True)
    if refused := _only(request, "POST"):
        return refused
    earlier = lesson_progress_for(enrollment=release.enrollment, lessons=[lesson]).get(lesson.pk)
    if not _rate(request, lesson_complete, lesson, release, "suds_after"):
        return redirect("courses:lesson", lesson_id=lesson.pk)
    if earlier is not None and earlier.completed_at is not None:
        messages.success(request, "Your rating is saved.")
    else:
        messages.success(request, "Marked as done. Well done for showing up for yourself.")
    return redirect(finished_url(lesson))


def finished_url(lesson) -> str:
    """The lesson's week, offering the next lesson after it ("Up next")."""
    return f"{reverse('courses:module', args=[lesson.module_id])}?done={lesson.pk}"


@own_program
def lesson_not_today(request, lesson_id: int):
    lesson, release = access_lesson(user=request.user, lesson_id=lesson_id, for_write=True)
    if refused := _only(request, "POST"):
        return refused
    lesson_defer(
        enrollment=release.enrollment, lesson=lesson, acting_user=request.user, now=timezone.now()
    )
    messages.info(
        request,
        "That's fine. This lesson will be here when you're ready, and nothing is lost.",
    )
    return redirect("courses:dashboard")


@own_program
def worksheet_autosave(request, lesson_id: int):
    """htmx autosave of a draft: a small status fragment, or 400 with the reason if refused."""
    lesson, release = access_lesson(user=request.user, lesson_id=lesson_id, for_write=True)
    if refused := _only(request, "POST"):
        return refused
    if not lesson.has_worksheet:
        return HttpResponse("This lesson has no worksheet.", status=400)
    form = WorksheetForm(lesson.prompts, request.POST)
    try:
        draft = worksheet_save_draft(
            enrollment=release.enrollment,
            lesson=lesson,
            answers=form.raw_answers(),
            acting_user=request.user,
            now=timezone.now(),
        )
    except ValidationError as exc:
        return render(
            request,
            "courses/_autosave_status.html",
            {"errors": exc.message_dict, "prompts": lesson.prompts},
            status=400,
        )
    return render(
        request,
        "courses/_autosave_status.html",
        {"saved_at": timezone.localtime(draft.updated_at) if draft else None, "draft": draft},
    )


@own_program
def worksheet_send(request, lesson_id: int):
    lesson, release = access_lesson(user=request.user, lesson_id=lesson_id, for_write=True)
    if refused := _only(request, "POST"):
        return refused
    if not lesson.has_worksheet:
        return HttpResponse("This lesson has no worksheet.", status=400)
    form = WorksheetForm(lesson.prompts, request.POST)
    draft_id = request.POST.get("draft_id", "")
    try:
        version = worksheet_submit(
            enrollment=release.enrollment,
            lesson=lesson,
            answers=form.raw_answers(),
            acting_user=request.user,
            now=timezone.now(),
            draft_id=int(draft_id) if draft_id.isdigit() else None,
        )
    except ValidationError as exc:
        form.add_errors(exc.message_dict)
        form.draft_id = int(draft_id) if draft_id.isdigit() else None
        state = lesson_state(enrollment=release.enrollment, lesson=lesson)
        context = lesson_context(lesson, state, form=form)
        return render(request, "courses/lesson.html", context, status=400)
    messages.success(
        request,
        f"Saved as version {version.version}. You'll find it under My work. Your care team can "
        "read the versions you submit, not your drafts.",
    )
    return redirect("courses:lesson", lesson_id=lesson.pk)


@own_program
@require_GET
def my_work(request):
    return render(
        request, "courses/my_work.html", {"responses": submitted_work_for(client=request.user)}
    )


@own_program
@require_GET
def my_suds(request):
    """The client's own ratings before and after the lessons that ask, as a chart with its
    table (1 query for the ratings, however many)."""
    readings = suds_readings(client=request.user)
    return render(
        request,
        "courses/my_suds.html",
        {"readings": readings, "chart": suds_chart(readings) if readings else None},
    )
