"""Booking individual sessions with a client, from their record (/care/clients/<id>/sessions/
new/). Only the client's care team reaches it: the client's gate (care.permissions.
access_client) comes first, so everyone else gets a denied 404 for every method, and it is the
check that the client is in the clinician's care (meetings sits below care and cannot make it).
The booking itself is meetings.services.individual_session_book (audited); a refused form comes
back with its messages and nothing stored (B-1)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import gate
from meetings.forms import BookForm
from meetings.models import Occurrence, SeriesKind
from meetings.selectors import client_sessions
from meetings.services import SessionError, individual_session_book, occurrence_cancel

from ..permissions import access_client
from .notes import SignedInRequest


@capability_required(Capability.CASELOAD)
def session_new(request: SignedInRequest, client_id: int) -> HttpResponse:
    """GET: the booking form and the client's sessions of the next four weeks (their zone).
    POST: the booking."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    now = timezone.now()
    form = BookForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            individual_session_book(
                clinician=request.user,
                client=client,
                day=data["day"],
                start_time=data["start_time"],
                length_minutes=data["length_minutes"],
                weeks=data["weeks"],
                video_url=data["video_url"],
                now=now,
            )
        except SessionError as error:
            form.refused(error)
        else:
            messages.success(request, "Booked. The client sees it on their sessions page.")
            return redirect(reverse("care:session_new", args=[client.pk]))
    return render(
        request,
        "care/session_new.html",
        {"client": client, "form": form, "rows": client_sessions(client=client, now=now)},
        status=400 if form.is_bound else 200,
    )


@capability_required(Capability.CASELOAD)
def session_cancel(request: SignedInRequest, client_id: int, occurrence_id: int) -> HttpResponse:
    """POST: cancel one upcoming individual session with the client that the clinician leads
    (audited; the rest of the series stays). The client's gate first, then the session's: any
    other session, the client's group sessions included, is a denied 404."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    occurrence = gate(
        Occurrence.objects.filter(
            series__kind=SeriesKind.INDIVIDUAL, series__client=client, clinician=request.user
        ),
        user=request.user,
        pk=occurrence_id,
        target_type="meetings.occurrence",
        for_write=True,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        occurrence_cancel(occurrence=occurrence, acting_user=request.user, now=timezone.now())
    except SessionError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "Cancelled. The client sees it as cancelled on their page.")
    return redirect(reverse("care:session_new", args=[client.pk]))
