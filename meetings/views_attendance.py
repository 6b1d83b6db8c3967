"""The client's own attendance and program hours (`/me/attendance/`). Only for the client
themself (their own rows, nothing to choose): every other role gets a denied 404."""

from zoneinfo import ZoneInfo

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability

from .hours import client_hours
from .selectors_attendance import client_attendance


@capability_required(Capability.OWN_PROGRAM)
@require_GET
def mine(request):
    """Every session the client has attendance for, newest first, and their hours per week."""
    now = timezone.now()
    return render(
        request,
        "meetings/attendance.html",
        {
            "rows": client_attendance(client=request.user, zone=ZoneInfo(request.user.timezone)),
            "hours": client_hours(client=request.user, now=now),
        },
    )
