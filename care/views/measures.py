"""The record's Measures controls: how often the client is asked, and asking for answers now.
Only the client's care team reaches them (the client's gate first: 404 for everyone else,
whatever the method); a refused form comes back on the record with nothing stored (B-1)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability
from measures.selectors import active_anchor
from measures.services import ScheduleError, measure_interval_set, measure_request

from ..forms import MeasureIntervalForm
from ..permissions import access_client
from ..selectors.record import record_context
from ..selectors.record_measures import measures_section
from .notes import SignedInRequest


def _to_measures(client_id: int) -> HttpResponse:
    return redirect(reverse("care:client_detail", args=[client_id]) + "#measures")


@capability_required(Capability.CASELOAD)
def measures_interval(request: SignedInRequest, client_id: int) -> HttpResponse:
    """Set the client's interval between questionnaires (audited)."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    now = timezone.now()
    form = MeasureIntervalForm(request.POST)
    if form.is_valid():
        try:
            measure_interval_set(
                client=client,
                interval_days=form.cleaned_data["interval_days"],
                by=request.user,
                now=now,
            )
        except ScheduleError as exc:
            form.add_error("interval_days", str(exc))
        else:
            messages.success(
                request, f"Questionnaires every {form.cleaned_data['interval_days']} days."
            )
            return _to_measures(client.pk)
    context = record_context(client=client, viewer=request.user, now=now)
    context["measures"] = measures_section(
        client=client,
        enrollment=context["enrollment"],  # type: ignore[arg-type]  # record_context's own
        viewer=request.user,
        now=now,
        interval_form=form,
    )
    return render(request, "care/record.html", context, status=400)


@capability_required(Capability.CASELOAD)
def measures_ask(request: SignedInRequest, client_id: int) -> HttpResponse:
    """Ask the client for answers now: every questionnaire is due at once and a reminder goes
    out (measures/reminders.py). Only during an active program."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if active_anchor(client_id=client.pk) is None:
        messages.error(request, "Questionnaires are asked only during an active program.")
        return _to_measures(client.pk)
    measure_request(client=client, by=request.user, now=timezone.now())
    messages.success(request, "Asked. The questionnaires are waiting on the client's home.")
    return _to_measures(client.pk)
