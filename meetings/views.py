"""The client's sessions (`/me/sessions/`): their schedule in their own zone, the Join button's
address, and a calendar file per series. Only for the client themself: every other role, and a
client reaching someone else's session, gets a denied 404."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.models import Action
from audit.services import audit_record

from .ics import series_calendar
from .permissions import access_client_occurrence, access_client_series
from .selectors import client_series, client_sessions
from .services import occurrence_join

own_program = capability_required(Capability.OWN_PROGRAM)
NOT_YET = (
    "The Join button opens 10 minutes before the session starts and closes when it ends. "
    "This one is not open right now."
)


@own_program
@require_GET
def mine(request):
    """The next four weeks of sessions, in the client's own time zone."""
    now = timezone.now()
    return render(
        request,
        "meetings/mine.html",
        {
            "rows": client_sessions(client=request.user, now=now),
            "series": client_series(client=request.user),
            "zone": request.user.timezone,
        },
    )


@own_program
def join(request, occurrence_id: int):
    """To the session's video link inside its Join window; otherwise back to the schedule with
    a calm word. Audited either way."""
    occurrence = access_client_occurrence(
        user=request.user, occurrence_id=occurrence_id, for_write=request.method == "POST"
    )
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    url = occurrence_join(client=request.user, occurrence=occurrence, now=timezone.now())
    if url is None:
        messages.info(request, NOT_YET)
        return redirect("meetings:mine")
    return redirect(url)


@own_program
def calendar_file(request, series_id: int) -> HttpResponse:
    """The series as an .ics file: neutral titles, no link (meetings/ics.py). Audited."""
    series = access_client_series(user=request.user, series_id=series_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    occurrences = list(series.occurrences.order_by("starts_at", "pk"))
    audit_record(
        action=Action.SESSION_CALENDAR_DOWNLOADED,
        actor=request.user,
        subject=request.user,
        target=series,
    )
    response = HttpResponse(
        series_calendar(series=series, occurrences=occurrences, now=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="sessions.ics"'
    return response
