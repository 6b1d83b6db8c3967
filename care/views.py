"""The clinician workspace. Triage and risk arrive in later issues; caseload exists now."""

from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability

from .permissions import access_client
from .selectors import caseload_for


@capability_required(Capability.CASELOAD)
@require_GET
def caseload(request):
    return render(request, "care/caseload.html", {"clients": caseload_for(clinician=request.user)})


@capability_required(Capability.CASELOAD)
def client_detail(request, client_id: int):
    # The gate comes before the method check: an outsider gets 404 for every method.
    client = access_client(user=request.user, client_id=client_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, "care/client_detail.html", {"client": client})
