"""The sessions a clinician runs (/care/sessions/) and each session's attendance screen
(/care/sessions/<id>/attendance/): one row per client, one Save. Only the session's own
clinician opens it; anyone else gets a denied 404 (audited), whatever the method."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import gate
from audit.models import Action
from audit.services import audit_record
from meetings.attendance_services import AttendanceError, attendance_record
from meetings.models import OccurrenceStatus
from meetings.selectors_attendance import (
    attendance_by_client,
    clinician_sessions,
    occurrence_length,
    occurrences_led_by,
    session_clients,
)

from ..forms_attendance import AttendanceForm


@capability_required(Capability.CASELOAD)
@require_GET
def sessions(request):
    """The sessions the clinician runs, recent and upcoming, in their own time zone."""
    recent, upcoming = clinician_sessions(user=request.user, now=timezone.now())
    zone = ZoneInfo(request.user.timezone)
    return render(
        request,
        "care/sessions.html",
        {"recent": recent, "upcoming": upcoming, "zone": zone},
    )


@capability_required(Capability.CASELOAD)
def session_attendance(request, occurrence_id: int):
    """The attendance screen (GET) and its Save (POST). The gate comes before the method
    check, so an outsider gets 404 for every method (A-1)."""
    occurrence = gate(
        occurrences_led_by(user=request.user).select_related("series__cohort", "series__client"),
        user=request.user,
        pk=occurrence_id,
        target_type="meetings.occurrence",
        for_write=request.method == "POST",
    )
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    now = timezone.now()
    clients = session_clients(occurrence=occurrence)
    marked = attendance_by_client(occurrence=occurrence)
    length = occurrence_length(occurrence)
    status = 200
    if request.method == "POST":
        form = AttendanceForm(request.POST, clients=clients, length=length, marked=marked)
        if form.is_valid():
            try:
                attendance_record(
                    occurrence=occurrence, marks=form.marks(), by=request.user, now=now
                )
            except AttendanceError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, "Attendance saved.")
                return redirect("care:session_attendance", occurrence_id=occurrence.pk)
        status = 400
    else:
        form = AttendanceForm(clients=clients, length=length, marked=marked)
        audit_record(
            action=Action.ATTENDANCE_VIEWED,
            actor=request.user,
            target=occurrence,
            metadata={"clients": len(clients)},
        )
    zone = ZoneInfo(request.user.timezone)
    return render(
        request,
        "care/session_attendance.html",
        {
            "occurrence": occurrence,
            "starts_at": occurrence.starts_at.astimezone(zone),
            "ends_at": occurrence.ends_at.astimezone(zone),
            "length": length,
            "form": form,
            "cancelled": occurrence.status == OccurrenceStatus.CANCELLED,
            "not_begun": occurrence.starts_at > now,
            "marked": len(marked),
        },
        status=status,
    )
