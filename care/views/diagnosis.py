"""The record's Diagnosis form: the code for the client's superbills. Only the client's care team
reaches it (the client's gate first: 404 for everyone else, whatever the method); a refused
form comes back on the record with nothing stored (B-1)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..forms import DiagnosisForm
from ..permissions import access_client
from ..selectors.record import record_context
from ..selectors.record_diagnosis import diagnosis_section
from ..services import DiagnosisError, diagnosis_enter
from .notes import SignedInRequest


@capability_required(Capability.CASELOAD)
def diagnosis(request: SignedInRequest, client_id: int) -> HttpResponse:
    """POST: enter a diagnosis code (audited, without the code)."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    now = timezone.now()
    form = DiagnosisForm(request.POST)
    if form.is_valid():
        try:
            diagnosis_enter(client=client, code=form.cleaned_data["code"], by=request.user, now=now)
        except DiagnosisError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, "The diagnosis code is entered.")
            return redirect(reverse("care:client_detail", args=[client.pk]) + "#diagnosis")
    context = record_context(client=client, viewer=request.user, now=now)
    context["diagnosis"] = diagnosis_section(
        client=client,
        enrollment=context["enrollment"],  # type: ignore[arg-type]  # record_context's own
        viewer=request.user,
        now=now,
        form=form,
    )
    return render(request, "care/record.html", context, status=400)
